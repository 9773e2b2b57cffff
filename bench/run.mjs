#!/usr/bin/env node
// godwit's benchmark (issue 9): times godwit, its peers and the database's own client on the same
// generated workloads, and writes bench/RESULTS.md and bench/results/*.json. See bench/README.md.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { databases } from './lib/databases.mjs';
import { toolsFor } from './lib/tools.mjs';
import { findGenerator, generate, manifestOf } from './lib/workloads.mjs';
import { measureOn, newRow, plainSection, runSection } from './lib/sections.mjs';
import { machineInfo } from './lib/machine.mjs';
import { renderReport } from './lib/report.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..');
const peersDir = join(here, 'peers');
const ALL = ['W1', 'W2', 'W3', 'W4', 'startup', 'pglite'];

const USAGE = `usage: npm run bench -- [options]
  --quick            smaller workloads and 2 runs: a smoke test in minutes
  --only=W1,W3       workloads to run, of ${ALL.join(', ')} (default: all)
  --db=pg,mysql      databases (default: both)
  --runs=N           timed runs per tool (default 5, --quick 2; W3 at most 3, start-up twice as many)
  --rss-scale        only godwit's peak RSS on single big scripts of several sizes (PostgreSQL)
  --sizes=10,100,1000  script sizes in MB for --rss-scale
  --gen=PATH         the workload generator (default: $GODWIT_BENCH_GEN, else ../shared/bench/gen.py)
  --timeout=SEC      a run taking longer is reported as failed (default 1800)
  --out=FILE         the report (default bench/RESULTS.md; bench/work/RESULTS-quick.md with --quick)
  --note=TEXT        a sentence printed at the top of the report (e.g. how loaded the machine was)
  --report=A.json,B.json  only render the report from saved results; later files replace earlier tables`;

function parseOptions(argv) {
  const options = { quick: false, only: ALL, dbs: ['pg', 'mysql'], timeoutSec: 1800, rssScale: false };
  for (const arg of argv) {
    const [key, value] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const list = () => value.split(',').map((v) => v.trim()).filter(Boolean);
    if (key === '--quick') options.quick = true;
    else if (key === '--rss-scale') options.rssScale = true;
    else if (key === '--only' && value) options.only = list();
    else if (key === '--db' && value) options.dbs = list();
    else if (key === '--runs' && value) options.runs = positive(key, value);
    else if (key === '--sizes' && value) options.sizes = list().map((v) => positive(key, v));
    else if (key === '--timeout' && value) options.timeoutSec = positive(key, value);
    else if (key === '--gen' && value) options.gen = value;
    else if (key === '--out' && value) options.out = resolve(value);
    else if (key === '--note' && value) options.note = value;
    else if (key === '--report' && value) options.report = list().map((f) => resolve(f));
    else if (key === '--help' || key === '-h') { process.stdout.write(`${USAGE}\n`); process.exit(0); }
    else usageError(`unknown option ${arg}`);
  }
  const badOnly = options.only.filter((w) => !ALL.includes(w));
  if (badOnly.length) usageError(`--only: unknown workload ${badOnly.join(', ')}; choose from ${ALL.join(', ')}`);
  const badDb = options.dbs.filter((d) => !(d in databases));
  if (badDb.length) usageError(`--db: unknown database ${badDb.join(', ')}; choose from pg, mysql`);
  options.runs ??= options.rssScale ? 1 : options.quick ? 2 : 5;
  options.sizes ??= options.quick ? [1, 5] : [10, 100, 1000];
  options.out ??= options.quick ? join(here, 'work', 'RESULTS-quick.md') : join(here, 'RESULTS.md');
  return options;
}

function positive(key, value) {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) usageError(`${key} must be a positive whole number, not ${value}`);
  return n;
}

function usageError(message) {
  process.stderr.write(`bench: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function sh(cmd, args, cwd) {
  process.stderr.write(`$ ${cmd} ${args.join(' ')}\n`);
  const result = spawnSync(cmd, args, { cwd, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed`);
}

/**
 * The peers live in bench/peers with their own lock file, apart from godwit's dependencies. `npm install`
 * rather than `npm ci`: npm 11 writes dbmate's lock without its other platforms' optional binaries and
 * then refuses its own lock in `npm ci`; the exact versions in package.json pin the peers either way.
 */
function installPeers() {
  const installed = join(peersDir, 'node_modules', '.package-lock.json');
  if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(join(peersDir, 'package-lock.json')).mtimeMs) {
    sh('npm', ['install', '--prefix', peersDir, '--no-audit', '--no-fund'], repo);
  }
  if (!existsSync(join(repo, 'dist', 'bundle', 'cli.js'))) sh('npm', ['run', 'build'], repo);
}

// Counts per mode. The full numbers are the issue's; --quick keeps every code path but shrinks them.
function sizes(quick) {
  return quick ? { many: 100, routines: 20, rows: 5_000 } : { many: 1000, routines: 200, rows: 1_000_000 };
}

function serverRows(tools, database, dbKey, dir, manifest) {
  const checkFile = join(dir, 'check.sql');
  return tools.filter((t) => t.dbs.includes(dbKey) && (t.workloads === undefined || t.workloads.includes(manifest.workload))).map((t) => {
    const row = newRow(t.tool, t.label, t.role, { database, checkFile, cwd: dir, command: (db) => t.command(database, db, dir) });
    const reason = t.unavailable?.();
    if (reason) row.notRun = reason;
    row.migrations = manifest.migrations;
    return row;
  });
}

const godwitCmd = (args) => ({ cmd: 'node', args: [join(repo, 'bin', 'godwit.js'), ...args] });
const nodeNoop = () => newRow('node', '`node -e 0`', 'baseline', { command: () => ({ cmd: 'node', args: ['-e', '0'] }) });

function appliedAll(expected) {
  return (log) => {
    const applied = /Successfully applied (\d+) migrations?/.exec(log);
    return applied && Number(applied[1]) === expected ? { ok: true }
      : { ok: false, reason: `check: expected "Successfully applied ${expected} migrations" in godwit's output` };
  };
}

async function runWorkloads(options, gen, tools, ctx) {
  const n = sizes(options.quick);
  const runAll = async (list, runs) => {
    for (const s of list) {
      process.stderr.write(`\n== ${s.id} on ${s.db}: ${s.title}\n`);
      ctx.sections.push(s);
      const started = Date.now();
      await runSection(s, { ...ctx, runs });
      s.durationSec = Math.round((Date.now() - started) / 1000);
      ctx.save();
    }
  };

  for (const dbKey of options.dbs) {
    const database = databases[dbKey];
    const dialect = database.workloadDialect;
    if (options.only.includes('W1') || options.only.includes('W2')) {
      const dir = generate(gen, ctx.workDir, { workload: 'many', dialect, count: n.many });
      const manifest = manifestOf(dir);
      const w1 = { id: 'W1', db: dbKey, title: `${manifest.migrations} small migrations`, rows: serverRows(tools, database, dbKey, dir, manifest) };
      if (dbKey === 'pg') {
        const migrate = () => godwitCmd(['-url=pglite:memory', '-locations=filesystem:flyway', 'migrate']);
        // The untimed first run leaves godwit's initdb cache in place, so every timed run is a usual start.
        w1.rows.push(newRow('godwit-pglite', 'godwit on `pglite:memory`', 'embedded', {
          cwd: dir, prepare: migrate, command: migrate, verifyLog: appliedAll(manifest.migrations),
        }));
      }
      const w2 = { id: 'W2', db: dbKey, title: `a no-op run over the ${manifest.migrations} migrations of W1, applied`, rows: [nodeNoop()] };
      if (options.only.includes('W2')) {
        for (const row of w1.rows.filter((r) => r.role === 'godwit' || r.role === 'peer')) {
          const w2row = newRow(row.tool, row.label, row.role, { ...row.run, prepare: row.run.command });
          if (row.notRun) w2row.notRun = row.notRun;
          w2.rows.push(w2row);
          // With W1 selected, W2 is timed on the database W1 has just migrated instead of migrating it twice.
          if (options.only.includes('W1')) {
            w2row.run = { ...w2row.run, prepare: undefined };
            row.run.after = (db, i) => measureOn(w2, w2row, db, i, { ...ctx });
          }
        }
      }
      if (options.only.includes('W1')) await runAll([w1], options.runs);
      if (options.only.includes('W2')) {
        if (options.only.includes('W1')) {
          // node -e 0 ran nowhere yet; the tool rows were filled by W1's runs.
          const baseline = { ...w2, rows: w2.rows.filter((r) => r.role === 'baseline') };
          await runSection(baseline, { ...ctx, runs: options.runs });
          ctx.sections.push(w2);
          ctx.save();
        } else {
          await runAll([w2], options.runs);
        }
      }
    }
    if (options.only.includes('W3')) {
      const w3Runs = Math.min(options.runs, 3);
      const single = generate(gen, ctx.workDir, { workload: 'big', dialect, rows: n.rows });
      const batched = generate(gen, ctx.workDir, { workload: 'bigbatch', dialect, rows: n.rows, batch: 100 });
      const mb = (dir) => (manifestOf(dir).sql_bytes / 1e6).toFixed(manifestOf(dir).sql_bytes < 1e7 ? 1 : 0);
      await runAll([
        { id: 'W3', db: dbKey, title: `one ${mb(single)} MB script of ${n.rows.toLocaleString('en')} single-row INSERTs`, rows: serverRows(tools, database, dbKey, single, manifestOf(single)) },
        { id: 'W3b', db: dbKey, title: `the same rows as ${n.rows / 100} INSERTs of 100 rows (${mb(batched)} MB)`, rows: serverRows(tools, database, dbKey, batched, manifestOf(batched)) },
      ], w3Runs);
    }
    if (options.only.includes('W4')) {
      const dir = generate(gen, ctx.workDir, { workload: dbKey === 'pg' ? 'plpgsql' : 'routines', dialect, count: n.routines });
      const manifest = manifestOf(dir);
      const what = dbKey === 'pg' ? 'plpgsql functions, triggers and DO blocks' : '`DELIMITER $$` triggers, functions and procedures';
      await runAll([{ id: 'W4', db: dbKey, title: `${manifest.migrations} migrations of ${what}`, rows: serverRows(tools, database, dbKey, dir, manifest) }], options.runs);
    }
  }

  if (options.only.includes('startup')) {
    const empty = mkdtempSync(join(ctx.workDir, 'empty-'));
    const startupRuns = options.runs * 2;
    const list = [{ id: 'startup', db: 'any', title: 'start-up', rows: [
      nodeNoop(),
      newRow('godwit', '`godwit --version`', 'godwit', { command: () => godwitCmd(['--version']) }),
    ] }];
    for (const dbKey of options.dbs) {
      const database = databases[dbKey];
      list.push({ id: 'startup', db: dbKey, title: `\`godwit info\` on an empty ${database.name} database and an empty folder`, rows: [
        newRow('godwit', '`godwit info`', 'godwit', { database, command: (db) => godwitCmd([`-url=${database.jdbcUrl(db)}`, `-locations=filesystem:${empty}`, 'info']) }),
      ] });
    }
    await runAll(list, startupRuns);
  }

  if (options.only.includes('pglite')) {
    const empty = mkdtempSync(join(ctx.workDir, 'empty-'));
    const primed = mkdtempSync(join(ctx.workDir, 'pglite-cache-'));
    const args = ['-X', '-url=pglite:memory', `-locations=filesystem:${empty}`, 'info'];
    const readyMs = (log) => {
      const m = /Connected in (\d+) ms/.exec(log);
      return m ? { readyMs: Number(m[1]) } : {};
    };
    const first = newRow('first', 'first start: initdb, then the cache is written', 'embedded', {
      command: () => ({ ...godwitCmd(args), env: { GODWIT_CACHE_DIR: mkdtempSync(join(ctx.workDir, 'pglite-cache-')) } }),
      extra: readyMs,
    });
    const cached = newRow('cached', 'cached start: the initialised data directory is loaded', 'embedded', {
      prepare: () => ({ ...godwitCmd(args), env: { GODWIT_CACHE_DIR: primed } }),
      command: () => ({ ...godwitCmd(args), env: { GODWIT_CACHE_DIR: primed } }),
      extra: readyMs,
    });
    await runAll([{ id: 'pglite', db: 'pglite', title: 'PGlite ready time (`godwit -X info` on `pglite:memory`)', rows: [first, cached] }], options.runs);
  }
}

async function runRssScale(options, gen, ctx) {
  if (!options.dbs.includes('pg')) usageError('--rss-scale runs on PostgreSQL: drop --db or include pg');
  const database = databases.pg;
  const rows = [];
  for (const mb of options.sizes) {
    // gen.py's single-row INSERTs are about 129 bytes each.
    const dir = generate(gen, ctx.workDir, { workload: 'big', dialect: 'pg', rows: Math.round(mb * 1e6 / 129) });
    const manifest = manifestOf(dir);
    const row = newRow(`godwit-${mb}mb`, `${(manifest.sql_bytes / 1e6).toFixed(0)} MB, ${manifest.rows.toLocaleString('en')} INSERTs`, 'godwit', {
      database, checkFile: join(dir, 'check.sql'), cwd: dir,
      command: (db) => godwitCmd([`-url=${database.jdbcUrl(db)}`, '-locations=filesystem:flyway', 'migrate']),
    });
    row.sqlBytes = manifest.sql_bytes;
    rows.push(row);
  }
  const section = { id: 'rss', db: 'pg', title: "godwit's peak RSS by script size", rows };
  process.stderr.write(`\n== ${section.title}\n`);
  ctx.sections.push(section);
  const started = Date.now();
  await runSection(section, { ...ctx, runs: options.runs });
  section.durationSec = Math.round((Date.now() - started) / 1000);
}

/** bench/ANALYSIS.md, the hand-written reasons behind the numbers; RESULTS.md carries it along. */
function readAnalysis() {
  const file = join(here, 'ANALYSIS.md');
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

function mergeResults(files) {
  const runs = files.map((f) => JSON.parse(readFileSync(f, 'utf8')));
  const sections = [];
  for (const run of runs) {
    for (const s of run.sections) {
      const at = sections.findIndex((x) => x.id === s.id && x.db === s.db);
      const tagged = { ...s, measuredAt: run.meta.date };
      if (at >= 0) sections[at] = tagged;
      else sections.push(tagged);
    }
  }
  return { metas: runs.map((r) => r.meta), sections };
}

async function main() {
  const options = parseOptions(process.argv.slice(2));
  if (options.report) {
    writeFileSync(options.out, renderReport({ ...mergeResults(options.report), note: options.note, analysis: readAnalysis() }));
    process.stderr.write(`wrote ${options.out}\n`);
    return;
  }
  const gen = findGenerator(repo, options.gen);
  installPeers();
  const workDir = join(here, 'work');
  const logDir = join(workDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const tools = toolsFor(repo, peersDir);
  const started = Date.now();
  const meta = machineInfo(tools, options);
  const resultsDir = options.quick ? join(workDir, 'results') : join(here, 'results');
  mkdirSync(resultsDir, { recursive: true });
  const stamp = meta.date.replace(/[:.]/g, '-');
  const json = join(resultsDir, `${stamp}${options.rssScale ? '-rss' : ''}${options.quick ? '-quick' : ''}.json`);
  // Written after every table, so a run stopped halfway still leaves what it measured.
  const save = () => {
    meta.durationSec = Math.round((Date.now() - started) / 1000);
    meta.loadAfter = machineInfo.load();
    const results = { meta, sections: ctx.sections.map(plainSection) };
    writeFileSync(json, `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(options.out, renderReport({ metas: [meta], sections: results.sections, note: options.note, analysis: readAnalysis() }));
  };
  const ctx = { workDir, logDir, timeoutSec: options.timeoutSec, cwd: repo, sections: [], save };
  if (options.rssScale) await runRssScale(options, gen, ctx);
  else await runWorkloads(options, gen, tools, ctx);
  save();
  for (const dir of readdirSync(workDir).filter((d) => /^(empty|pglite-cache)-/.test(d))) {
    rmSync(join(workDir, dir), { recursive: true, force: true });
  }
  process.stderr.write(`\nwrote ${json} and ${options.out} in ${meta.durationSec} s\n`);
}

main().catch((error) => {
  process.stderr.write(`bench: ${error.message}\n`);
  process.exit(1);
});
