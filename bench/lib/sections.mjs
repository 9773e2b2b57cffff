// Runs the rows of one table (one workload on one database) round-robin, so that slow minutes on a
// shared machine fall on every tool alike instead of on whichever ran last.
import { readFileSync } from 'node:fs';
import { timed, logPath } from './measure.mjs';
import { verify } from './databases.mjs';

/**
 * A row is { tool, label, role, samples: [], failure?, notRun?, run } where `run` describes one timed
 * run: { command(dbName), database?, checkFile?, verifyLog?(logFile), prepare?(dbName), after?(dbName, i) }.
 * A row that fails once is not run again: its reason is what the table reports.
 */
export async function runSection(section, { runs, logDir, timeoutSec, cwd }) {
  for (let i = 0; i < runs; i++) {
    for (const row of section.rows) {
      if (row.failure || row.notRun) continue;
      await runOnce(section, row, i, { logDir, timeoutSec, cwd });
    }
  }
}

async function runOnce(section, row, i, options) {
  const { run } = row;
  const dbName = `gwbench_${section.id}_${row.tool}_${i}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  if (run.database) run.database.create(dbName);
  try {
    if (run.prepare) {
      const logFile = logPath(options.logDir, `${section.id}-${section.db}-${row.tool}-${i}-setup`);
      const prepared = await timed({ ...run.prepare(dbName), cwd: run.cwd ?? options.cwd, logFile, timeoutSec: options.timeoutSec });
      if (!prepared.ok) return fail(row, `setup: ${prepared.reason}`);
    }
    if (await measureOn(section, row, dbName, i, options) && run.after) await run.after(dbName, i);
  } finally {
    if (run.database) run.database.drop(dbName);
  }
}

/** Times one run of the row on a database that exists already; false when it failed. */
export async function measureOn(section, row, dbName, i, { logDir, timeoutSec, cwd }) {
  const { run } = row;
  const logFile = logPath(logDir, `${section.id}-${section.db}-${row.tool}-${i}`);
  const result = await timed({ ...run.command(dbName), cwd: run.cwd ?? cwd, logFile, timeoutSec });
  if (!result.ok) return fail(row, result.reason);
  const checked = run.checkFile ? verify(run.database, dbName, run.checkFile)
    : run.verifyLog ? run.verifyLog(readFileSync(logFile, 'utf8')) : { ok: true };
  if (!checked.ok) return fail(row, checked.reason);
  const sample = { wallMs: result.wallMs, cpuMs: result.cpuMs, rssKb: result.rssKb, ...run.extra?.(readFileSync(logFile, 'utf8')) };
  row.samples.push(sample);
  progress(section, row, i, `${(sample.wallMs / 1000).toFixed(3)} s, ${Math.round(sample.rssKb / 1024)} MB`);
  return true;
}

function fail(row, reason) {
  row.failure = reason;
  row.samples = [];
  process.stderr.write(`  ${row.tool}: FAILED ${reason}\n`);
  return false;
}

function progress(section, row, i, text) {
  process.stderr.write(`  ${section.id} ${section.db} ${row.tool} #${i + 1}: ${text}\n`);
}

export function newRow(tool, label, role, run) {
  return { tool, label, role, samples: [], run };
}

/** Drops the functions before the results are written as JSON. */
export function plainSection(section) {
  return { ...section, rows: section.rows.map(({ run: _run, ...row }) => row) };
}
