// Pure functions over measured samples: summaries, ratios and the targets of issue 9.
// No I/O here, so test/unit/bench-stats.test.ts can check them without a database.

export function median(values) {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median, min and max of each measure over the successful runs of one row. */
export function summarize(samples) {
  if (samples.length === 0) return undefined;
  const pick = (key) => samples.map((s) => s[key]).filter((v) => typeof v === 'number');
  const wall = pick('wallMs');
  return {
    runs: samples.length,
    wallMs: median(wall),
    minMs: Math.min(...wall),
    maxMs: Math.max(...wall),
    cpuMs: median(pick('cpuMs')),
    rssKb: median(pick('rssKb')),
    maxRssKb: Math.max(...pick('rssKb')),
  };
}

export function ratio(a, b) {
  if (a === undefined || b === undefined || b === 0) return undefined;
  return a / b;
}

function findRow(sections, id, db, role) {
  const section = sections.find((s) => s.id === id && s.db === db);
  return section?.rows.find((r) => r.role === role);
}

function wallOf(row) {
  return row && !row.failure ? summarize(row.samples)?.wallMs : undefined;
}

function cpuOf(row) {
  return row && !row.failure ? summarize(row.samples)?.cpuMs : undefined;
}

/** "N ms above", plus the CPU difference, which a loaded machine inflates far less than wall time. */
function above(row, baseline) {
  const wall = minus(wallOf(row), wallOf(baseline));
  if (wall === undefined) return { wall };
  const cpu = minus(cpuOf(row), cpuOf(baseline));
  return { wall, text: `${fmtMs(wall)} above${cpu === undefined ? '' : ` (CPU: ${fmtMs(cpu)} above)`}` };
}

const DB_NAMES = { pg: 'PostgreSQL', mysql: 'MariaDB' };

function verdict(target, measured, met) {
  if (measured === undefined) return { target, measured: 'not measured', status: 'not measured' };
  return { target, measured, status: met ? 'met' : 'missed' };
}

const fmtX = (x) => `${x.toFixed(2)}×`;
const fmtMs = (ms) => `${Math.round(ms)} ms`;

/** godwit against the client and every peer that succeeded on one workload and database. */
function clientAndPeers(sections, id, db) {
  const section = sections.find((s) => s.id === id && s.db === db);
  if (!section) return [];
  const godwit = wallOf(findRow(sections, id, db, 'godwit'));
  const client = wallOf(findRow(sections, id, db, 'client'));
  const clientRatio = ratio(godwit, client);
  const out = [verdict(`${id} ${DB_NAMES[db]}: godwit within 1.1× of the client`,
    clientRatio === undefined ? undefined : `${fmtX(clientRatio)} of the client`, clientRatio <= 1.1)];
  const peers = section.rows.filter((r) => r.role === 'peer' && wallOf(r) !== undefined);
  const slower = peers.filter((r) => wallOf(r) <= godwit).map((r) => r.tool);
  const failed = section.rows.filter((r) => r.role === 'peer' && r.failure).map((r) => r.tool);
  const allFailed = godwit !== undefined && peers.length === 0 && failed.length > 0;
  const measured = allFailed ? `every peer failed (${failed.join(', ')})`
    : godwit === undefined || peers.length === 0 ? undefined
    : (slower.length === 0 ? `faster than ${peers.length} peer${peers.length === 1 ? '' : 's'}` : `slower than ${slower.join(', ')}`)
      + (failed.length > 0 ? ` (${failed.join(', ')} failed)` : '');
  out.push(verdict(`${id} ${DB_NAMES[db]}: godwit faster than every peer`, measured, slower.length === 0));
  return out;
}

/** The issue's targets, each with what was measured and met / missed / not measured. */
export function evaluateTargets(sections) {
  const targets = [];
  for (const db of ['pg', 'mysql']) targets.push(...clientAndPeers(sections, 'W1', db));
  for (const db of ['pg', 'mysql']) targets.push(...clientAndPeers(sections, 'W4', db));

  for (const db of ['pg', 'mysql']) {
    if (!sections.some((s) => s.id === 'W2' && s.db === db)) continue;
    const over = above(findRow(sections, 'W2', db, 'godwit'), findRow(sections, 'W2', db, 'baseline'));
    targets.push(verdict(`W2 ${DB_NAMES[db]}: no-op run at most 150 ms above \`node -e 0\``, over.text, over.wall <= 150));
  }

  for (const db of ['pg', 'mysql']) {
    const w3 = findRow(sections, 'W3', db, 'godwit');
    const w3Ratio = ratio(wallOf(w3), wallOf(findRow(sections, 'W3', db, 'client')));
    targets.push(verdict(`W3 ${DB_NAMES[db]}: godwit at most 0.3× of \`${db === 'pg' ? 'psql' : 'mariadb'}\``,
      w3Ratio === undefined ? undefined : fmtX(w3Ratio), w3Ratio <= 0.3));
    const w3Rss = w3 && !w3.failure ? summarize(w3.samples)?.maxRssKb : undefined;
    targets.push(verdict(`W3 ${DB_NAMES[db]}: godwit peak RSS under 100 MB`,
      w3Rss === undefined ? undefined : `${(w3Rss / 1024).toFixed(0)} MB`, w3Rss < 100 * 1024));
  }
  targets.push(rssByScale(sections.find((s) => s.id === 'rss')));

  const version = above(findRow(sections, 'startup', 'any', 'godwit'), findRow(sections, 'startup', 'any', 'baseline'));
  targets.push(verdict('`godwit --version` at most 60 ms above `node -e 0`', version.text, version.wall <= 60));
  const info = wallOf(findRow(sections, 'startup', 'pg', 'godwit'));
  targets.push(verdict('`godwit info` on an empty PostgreSQL database under 250 ms',
    info === undefined ? undefined : fmtMs(info), info < 250));
  return targets;
}

/** The peak RSS of every script size, from 10 MB to 1 GB, under 100 MB. */
function rssByScale(section) {
  const target = 'W3 PostgreSQL: peak RSS under 100 MB from a 10 MB to a 1 GB script';
  const sized = (section?.rows ?? []).map((r) => ({ mb: (r.sqlBytes ?? 0) / 1e6, rss: r.failure ? undefined : summarize(r.samples)?.maxRssKb }));
  if (sized.length === 0 || sized.some((r) => r.rss === undefined)) return verdict(target, undefined, false);
  const peak = Math.max(...sized.map((r) => r.rss));
  const largest = Math.max(...sized.map((r) => r.mb));
  const measured = `${sized.map((r) => `${r.mb.toFixed(0)} MB: ${(r.rss / 1024).toFixed(0)} MB`).join(', ')}`;
  return verdict(target, measured, peak < 100 * 1024 && largest >= 990 && Math.min(...sized.map((r) => r.mb)) <= 11);
}

function minus(a, b) {
  return a === undefined || b === undefined ? undefined : a - b;
}
