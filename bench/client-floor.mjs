// How much of W1's time on PostgreSQL is the client's: psql, a bare Node loop over the raw protocol, the
// same loop over node-postgres, and godwit, each applying W1 in godwit's statements (psql in its own),
// with the server's own time per run summed from its log. See bench/README.md ("client floor").
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, openSync, readSync, closeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { timed } from './lib/measure.mjs';
import { databases } from './lib/databases.mjs';
import { HISTORY_DDL, roundTrips, versionedFiles } from './lib/history-model.mjs';
import { median } from './lib/stats.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = dirname(here);

/** Texts the `pipe` loop lets go unanswered. */
const PIPE_WINDOW = 4;

/** The loop a child process runs: `node client-floor.mjs --loop=raw|pg|pg1|pipe DB DIR`. */
async function loop(kind, db, dir) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: db });
  await client.connect();
  await client.query(HISTORY_DDL.join(';\n'));
  let send = (sql) => client.query(sql);
  if (kind === 'raw') send = rawSender(client);
  const trips = roundTrips(versionedFiles(dir));
  const text = (trip) => (Array.isArray(trip) ? trip.join(';\n') : `${trip.guard};\n${readFileSync(join(dir, trip.file.name), 'utf8')}`);
  if (kind === 'pipe') {
    // godwit's way since it stopped waiting for a migration's script: every text goes out without
    // waiting for the one before, a few at most unanswered, so the server never waits for the client.
    client.pipeline = true;
    const unanswered = [];
    for (const trip of trips) {
      unanswered.push(send(text(trip)));
      if (unanswered.length > PIPE_WINDOW) await unanswered.shift();
    }
    await Promise.all(unanswered);
  } else if (kind === 'pg1') {
    // What one round trip per migration would reach: each file travels with the statements before it.
    for (let i = 0; i < trips.length; i += 2) await send(i + 1 < trips.length ? `${text(trips[i])};\n${text(trips[i + 1])}` : text(trips[i]));
  } else {
    for (const trip of trips) await send(text(trip));
  }
  process.exit(0);
}

/**
 * Simple-query messages written straight to the connected socket, with only ReadyForQuery and
 * ErrorResponse read back: what any Node client must at least do per round trip.
 */
function rawSender(client) {
  const socket = client.connection.stream;
  socket.removeAllListeners('data');
  let pending = null;
  let buffered = Buffer.alloc(0);
  socket.on('data', (chunk) => {
    buffered = buffered.length > 0 ? Buffer.concat([buffered, chunk]) : chunk;
    let offset = 0;
    while (buffered.length - offset >= 5) {
      const length = buffered.readInt32BE(offset + 1);
      if (buffered.length - offset < 1 + length) break;
      const type = buffered[offset];
      if (type === 0x45) pending.failed = true;
      offset += 1 + length;
      if (type === 0x5a) {
        const done = pending;
        pending = null;
        if (done.failed) done.reject(new Error('the server refused a statement'));
        else done.resolve();
      }
    }
    buffered = buffered.subarray(offset);
  });
  return (sql) => {
    const length = Buffer.byteLength(sql);
    const message = Buffer.allocUnsafe(6 + length);
    message[0] = 0x51;
    message.writeInt32BE(5 + length, 1);
    message.write(sql, 5);
    message[5 + length] = 0;
    return new Promise((resolve, reject) => {
      pending = { resolve, reject, failed: false };
      socket.write(message);
    });
  };
}

/** The server's log, when this user can read it: the sum of the statement durations of `db`. */
function serverLog() {
  const major = spawnSync('psql', ['-X', '-A', '-t', '-h', '127.0.0.1', '-U', 'postgres', '-d', 'postgres', '-c', 'SHOW server_version_num'], { encoding: 'utf8' });
  const file = `/var/log/postgresql/postgresql-${Math.floor(Number(major.stdout.trim()) / 10000)}-main.log`;
  try {
    closeSync(openSync(file, 'r'));
  } catch {
    return null;
  }
  return {
    mark: () => statSync(file).size,
    serverMs(from, db) {
      const size = statSync(file).size - from;
      const buffer = Buffer.alloc(size);
      const fd = openSync(file, 'r');
      readSync(fd, buffer, 0, size, from);
      closeSync(fd);
      let total = 0;
      for (const line of buffer.toString('utf8').split('\n')) {
        if (!line.includes(`@${db} `)) continue;
        const duration = /duration: ([\d.]+) ms/.exec(line);
        if (duration) total += Number(duration[1]);
      }
      return total;
    },
  };
}

function psqlDo(db, sql) {
  const result = spawnSync('psql', ['-X', '-q', '-h', '127.0.0.1', '-U', 'postgres', '-d', db, '-v', 'ON_ERROR_STOP=1', '-c', sql], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(result.stderr);
}

/** `only`: the names of the rows to time, or undefined for all of them. */
async function measureAll(runs, workload, only) {
  const flyway = join(workload, 'flyway');
  const self = fileURLToPath(import.meta.url);
  const tools = {
    psql: { cmd: 'psql', args: ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-U', 'postgres', '-f', 'apply.sql'], cwd: join(workload, 'psql'), dbArg: (db) => ['-d', db] },
    'node-raw': { cmd: 'node', args: [self, '--loop=raw'], cwd: flyway, dbArg: (db) => [db, flyway] },
    'node-pg': { cmd: 'node', args: [self, '--loop=pg'], cwd: flyway, dbArg: (db) => [db, flyway] },
    'node-pg-pipeline': { cmd: 'node', args: [self, '--loop=pipe'], cwd: flyway, dbArg: (db) => [db, flyway] },
    'node-pg-1rt': { cmd: 'node', args: [self, '--loop=pg1'], cwd: flyway, dbArg: (db) => [db, flyway] },
    godwit: { cmd: 'node', args: [join(repo, 'bin', 'godwit.js'), '-locations=filesystem:.', 'migrate'], cwd: flyway, dbArg: (db) => [`-url=${databases.pg.jdbcUrl(db)}`] },
  };
  if (only) for (const name of Object.keys(tools)) if (!only.includes(name)) delete tools[name];
  const log = serverLog();
  const results = Object.fromEntries(Object.keys(tools).map((k) => [k, []]));
  for (let run = 0; run < runs; run++) {
    for (const [name, tool] of Object.entries(tools)) {
      const db = `floor_${name.replaceAll('-', '_')}_${run}`;
      databases.pg.create(db);
      if (log) psqlDo('postgres', `ALTER DATABASE ${db} SET log_min_duration_statement = 0`);
      const from = log?.mark() ?? 0;
      const result = await timed({ cmd: tool.cmd, args: [...tool.args, ...tool.dbArg(db)], cwd: tool.cwd, logFile: join(workload, `${name}.log`), timeoutSec: 600 });
      if (!result.ok) throw new Error(`${name}: ${result.reason}`);
      // The log is written by the server's logger after the statement; give it a moment.
      await new Promise((resolve) => setTimeout(resolve, 300));
      results[name].push({ wall: result.wallMs / 1000, cpu: result.cpuMs / 1000, server: log ? log.serverMs(from, db) / 1000 : null });
      databases.pg.drop(db);
      process.stderr.write(`${name} run ${run + 1}: ${JSON.stringify(results[name].at(-1))}\n`);
    }
  }
  return results;
}

function table(results, migrations) {
  const fmt = (v, digits = 2) => (v === null ? '—' : v.toFixed(digits));
  const lines = [
    '| client | wall s | CPU s | server s | wall − server s | client CPU per migration ms |',
    '|---|---|---|---|---|---|',
  ];
  for (const [name, runs] of Object.entries(results)) {
    const wall = median(runs.map((r) => r.wall));
    const cpu = median(runs.map((r) => r.cpu));
    const server = runs[0].server === null ? null : median(runs.map((r) => r.server));
    const gap = server === null ? null : median(runs.map((r) => r.wall - r.server));
    lines.push(`| ${name} | ${fmt(wall)} | ${fmt(cpu)} | ${fmt(server)} | ${fmt(gap)} | ${fmt((cpu * 1000) / migrations, 3)} |`);
  }
  return lines.join('\n');
}

const args = process.argv.slice(2);
const loopArg = args.find((a) => a.startsWith('--loop='));
if (loopArg) {
  await loop(loopArg.slice('--loop='.length), args[1], args[2]);
} else {
  const runs = Number(args.find((a) => a.startsWith('--runs='))?.slice(7) ?? 5);
  const only = args.find((a) => a.startsWith('--tools='))?.slice(8).split(',');
  const gen = args.find((a) => a.startsWith('--gen='))?.slice(6) ?? process.env.GODWIT_BENCH_GEN ?? join(repo, '..', 'shared', 'bench', 'gen.py');
  const workload = join(here, 'work', 'floor-w1');
  if (!existsSync(join(workload, 'manifest.json'))) {
    const made = spawnSync('python3', [gen, 'many', workload, '--dialect', 'pg'], { stdio: 'inherit' });
    if (made.status !== 0) throw new Error(`${gen} failed`);
  }
  const migrations = JSON.parse(readFileSync(join(workload, 'manifest.json'), 'utf8')).migrations;
  const results = await measureAll(runs, workload, only);
  process.stdout.write(`W1 on PostgreSQL, ${migrations} migrations, medians of ${runs} interleaved runs:\n\n${table(results, migrations)}\n`);
}
