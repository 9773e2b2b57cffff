// A TCP proxy that delays every chunk by a fixed time each way, to see what a round trip costs when
// the database is across a network rather than on the same machine (no netem on these machines).
//   node bench/latency-proxy.mjs LISTEN_PORT TARGET_PORT DELAY_MS
// Node's timers have a resolution of a millisecond: a delay of 1 is about 1 ms each way. Chunks keep
// their order: each waits for the one before it on the same side.
import net from 'node:net';

const [listenPort, targetPort, delayMs] = process.argv.slice(2).map(Number);
if (!listenPort || !targetPort || Number.isNaN(delayMs)) {
  console.error('usage: node bench/latency-proxy.mjs LISTEN_PORT TARGET_PORT DELAY_MS');
  process.exit(2);
}

/** Forwards `from` to `to`, each chunk `delayMs` after it arrived, in arrival order. */
function delayed(from, to) {
  from.on('data', (chunk) => {
    setTimeout(() => to.write(chunk), delayMs);
  });
  from.on('end', () => setTimeout(() => to.end(), delayMs));
  from.on('error', () => to.destroy());
}

net
  .createServer((client) => {
    client.setNoDelay(true);
    const server = net.connect({ host: '127.0.0.1', port: targetPort }, () => server.setNoDelay(true));
    delayed(client, server);
    delayed(server, client);
  })
  .listen(listenPort, '127.0.0.1', () => console.log(`127.0.0.1:${listenPort} -> 127.0.0.1:${targetPort}, ${delayMs} ms each way`));
