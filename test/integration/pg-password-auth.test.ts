/**
 * Password authentication from the CLI. The local test server trusts every connection, so this file
 * plays the server's side of the handshake itself: it asks for an MD5 or SCRAM-SHA-256 password, checks
 * what the client answers against what the server would compute, then refuses the login. pg's hashing
 * code loads lazily in the bundled CLI (scripts/bundle-cli.mjs): a password must still be hashed right.
 */
import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const USER = 'auth_user';
const PASSWORD = 'pä55 word';

function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

function refusal(text: string): Buffer {
  const fields = [['S', 'FATAL'], ['V', 'FATAL'], ['C', '28P01'], ['M', text]].map(([k, v]) => `${k}${v}\0`).join('');
  return message('E', Buffer.from(`${fields}\0`, 'utf8'));
}

/** Reads the client's messages: the untyped startup message first, then typed ones. */
function reader(socket: Socket): () => Promise<{ type: string; body: Buffer }> {
  let buffered = Buffer.alloc(0);
  let started = false;
  let closed = false;
  const waiting: Array<() => void> = [];
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    waiting.splice(0).forEach((wake) => wake());
  });
  socket.on('close', () => {
    closed = true;
    waiting.splice(0).forEach((wake) => wake());
  });
  return async () => {
    for (;;) {
      const offset = started ? 1 : 0;
      if (buffered.length >= offset + 4) {
        const length = buffered.readInt32BE(offset);
        if (buffered.length >= offset + length) {
          const type = started ? buffered.toString('latin1', 0, 1) : '';
          const body = buffered.subarray(offset + 4, offset + length);
          buffered = buffered.subarray(offset + length);
          started = true;
          return { type, body };
        }
      }
      if (closed) throw new Error('the client closed the connection');
      await new Promise<void>((wake) => waiting.push(wake));
    }
  };
}

let server: Server | undefined;
afterEach(() => {
  server?.close();
  server = undefined;
});

/** A server that runs `handshake` on the first connection; resolves with its port and its verdict. */
async function fakeServer(handshake: (next: ReturnType<typeof reader>, socket: Socket) => Promise<string>): Promise<{ port: number; verdict: Promise<string> }> {
  let settle: (verdict: string) => void = () => {};
  const verdict = new Promise<string>((resolve) => (settle = resolve));
  server = createServer((socket) => {
    const next = reader(socket);
    handshake(next, socket).then(
      (text) => {
        settle(text);
        socket.end(refusal(`refused by the test server: ${text}`));
      },
      (error: unknown) => {
        settle(`handshake failed: ${String(error)}`);
        socket.destroy();
      },
    );
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { port: address.port, verdict };
}

const cli = (port: number) =>
  runCli([`-url=jdbc:postgresql://127.0.0.1:${port}/db`, `-user=${USER}`, `-password=${PASSWORD}`, '-connectRetries=0', 'info'], { cwd: '/' });

describe('password authentication through the CLI', () => {
  it('answers an MD5 challenge with md5(md5(password + user) + salt)', async () => {
    const salt = Buffer.from([1, 2, 3, 4]);
    const { port, verdict } = await fakeServer(async (next, socket) => {
      await next();
      socket.write(message('R', Buffer.concat([int32(5), salt])));
      const { type, body } = await next();
      const inner = createHash('md5').update(PASSWORD + USER).digest('hex');
      const expected = `md5${createHash('md5').update(Buffer.concat([Buffer.from(inner), salt])).digest('hex')}`;
      return type === 'p' && body.toString('utf8') === `${expected}\0` ? 'md5 ok' : `md5 wrong: ${body.toString('utf8')}`;
    });
    const result = await cli(port);
    expect(await verdict).toBe('md5 ok');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`authentication failed for user "${USER}"`);
    expect(result.stderr).not.toContain(PASSWORD);
  });

  it('completes SCRAM-SHA-256 with the proof the server expects', async () => {
    const salt = Buffer.from('0123456789abcdef');
    const iterations = 4096;
    const { port, verdict } = await fakeServer(async (next, socket) => {
      await next();
      socket.write(message('R', Buffer.concat([int32(10), Buffer.from('SCRAM-SHA-256\0\0')])));
      const initial = await next();
      const mechanismEnd = initial.body.indexOf(0);
      const clientFirst = initial.body.subarray(mechanismEnd + 5).toString('utf8');
      const clientFirstBare = clientFirst.replace(/^n,,/, '');
      const clientNonce = /r=([^,]+)/.exec(clientFirstBare)?.[1] ?? '';
      const serverFirst = `r=${clientNonce}server,s=${salt.toString('base64')},i=${iterations}`;
      socket.write(message('R', Buffer.concat([int32(11), Buffer.from(serverFirst)])));
      const final = (await next()).body.toString('utf8');
      const withoutProof = final.replace(/,p=[^,]+$/, '');
      const salted = pbkdf2Sync(PASSWORD, salt, iterations, 32, 'sha256');
      const clientKey = createHmac('sha256', salted).update('Client Key').digest();
      const storedKey = createHash('sha256').update(clientKey).digest();
      const signature = createHmac('sha256', storedKey).update(`${clientFirstBare},${serverFirst},${withoutProof}`).digest();
      const proof = Buffer.from(clientKey.map((byte, i) => byte ^ signature[i]!)).toString('base64');
      return clientNonce.length >= 18 && final.endsWith(`,p=${proof}`) ? 'scram ok' : `scram wrong: ${final}`;
    });
    const result = await cli(port);
    expect(await verdict).toBe('scram ok');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`authentication failed for user "${USER}"`);
  });
});
