#!/usr/bin/env node
/**
 * Per-migration overhead against PostgreSQL's own client: `psql` applying a project's files one
 * transaction each (DIR/psql/apply.sql) and `godwit migrate` applying DIR/flyway, each on a fresh
 * database, alternating so that both see the same moment of a shared machine; then a no-op migrate over
 * what godwit applied, and `node -e 0` for the start-up floor. Targets (issue 9): migrate within 1.1×
 * of psql; the no-op migrate at most 0.15 s above `node -e 0`. Build first, and make DIR with the
 * workload generator (`gen.py many DIR --dialect pg`, `gen.py plpgsql DIR`):
 *
 *   npx tsc -p tsconfig.build.json && node bench/migrate-vs-psql.mjs DIR [rounds] [host] [user]
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const GODWIT = fileURLToPath(new URL('../bin/godwit.js', import.meta.url));
const [dir, roundsArg = '3', host = '127.0.0.1', user = 'postgres'] = process.argv.slice(2);
if (!dir) {
  console.error('usage: node bench/migrate-vs-psql.mjs DIR [rounds] [host] [user]');
  process.exit(2);
}

function run(command, args) {
  const started = performance.now();
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${result.stdout}${result.stderr}`);
  return (performance.now() - started) / 1000;
}

const admin = (sql) => run('psql', ['-q', '-h', host, '-U', user, '-d', 'postgres', '-c', sql]);
const godwit = (db, ...args) => run('node', [GODWIT, `-url=jdbc:postgresql://${host}:5432/${db}?user=${user}`, `-locations=filesystem:${join(dir, 'flyway')}`, ...args]);

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const times = { psql: [], godwit: [], noop: [], node: [] };
for (let round = 0; round < Number(roundsArg); round++) {
  for (const tool of ['psql', 'godwit']) {
    const db = `godwit_bench_${process.pid}_${tool}`;
    admin(`DROP DATABASE IF EXISTS ${db}`);
    admin(`CREATE DATABASE ${db}`);
    try {
      if (tool === 'psql') {
        times.psql.push(run('psql', ['-q', '-h', host, '-U', user, '-d', db, '-f', join(dir, 'psql', 'apply.sql')]));
      } else {
        times.godwit.push(godwit(db, 'migrate'));
        times.node.push(run('node', ['-e', '0']));
        times.noop.push(godwit(db, 'migrate'));
      }
    } finally {
      admin(`DROP DATABASE IF EXISTS ${db}`);
    }
  }
}
const fmt = (s) => `${s.toFixed(2)} s`;
console.log(`psql ${times.psql.map(fmt).join(', ')}`);
console.log(`godwit migrate ${times.godwit.map(fmt).join(', ')}`);
console.log(`ratio per round ${times.godwit.map((t, i) => (t / times.psql[i]).toFixed(2)).join(', ')}; of medians ${(median(times.godwit) / median(times.psql)).toFixed(2)} (target ≤ 1.10)`);
console.log(`no-op migrate ${times.noop.map(fmt).join(', ')}; node -e 0 ${times.node.map(fmt).join(', ')}`);
console.log(`no-op above node, per round ${times.noop.map((t, i) => fmt(t - times.node[i])).join(', ')} (target ≤ 0.15 s)`);
