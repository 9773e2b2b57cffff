// Renders results (one run, or several merged) as bench/RESULTS.md.
import { evaluateTargets, ratio, summarize } from './stats.mjs';

const DB = { pg: 'PostgreSQL', mysql: 'MariaDB', any: 'no database', pglite: 'PGlite' };

export function formatMs(ms) {
  if (ms === undefined) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 100_000) return `${(ms / 1000).toFixed(2)} s`;
  return `${(ms / 1000).toFixed(0)} s`;
}

const formatMb = (kb) => (kb === undefined ? '–' : `${Math.round(kb / 1024)} MB`);
const formatX = (x) => (x === undefined ? '–' : `${x.toFixed(2)}×`);

function cell(text) {
  return String(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function machine(metas) {
  const m = metas[0];
  const lines = [
    '## Machine and versions', '',
    `- CPU: ${m.cpu}, ${m.cores} cores; RAM ${m.ramGb} GB; kernel ${m.kernel}; Node ${m.node}`,
    ...Object.entries(m.servers).map(([db, v]) => `- ${DB[db]} server: ${v}`),
    ...Object.entries(m.versions).map(([tool, v]) => `- ${tool}: ${v}`),
    '', '## Runs', '',
    '| date (UTC) | options | took | load average before → after |', '|---|---|---|---|',
    ...metas.map((r) => `| ${r.date} | ${cell(describeOptions(r.options))} | ${formatMs(r.durationSec * 1000)} | ${r.loadBefore} → ${r.loadAfter} (${r.cores} cores) |`),
  ];
  return lines.join('\n');
}

function describeOptions(o) {
  if (o.rssScale) return `--rss-scale --sizes=${o.sizes.join(',')} --runs=${o.runs}`;
  return `${o.quick ? '--quick ' : ''}--only=${o.only.join(',')} --db=${o.dbs.join(',')} --runs=${o.runs}`;
}

function targets(sections) {
  const rows = evaluateTargets(sections);
  return ['## Targets of issue 9', '', '| target | measured | |', '|---|---|---|',
    ...rows.map((t) => `| ${cell(t.target)} | ${cell(t.measured)} | ${t.status === 'met' ? '**met**' : t.status} |`)].join('\n');
}

function workloadTable(section) {
  const reference = section.rows.find((r) => r.role === 'client') ?? section.rows.find((r) => r.role === 'baseline');
  const godwit = section.rows.find((r) => r.role === 'godwit');
  const refMs = reference && !reference.failure ? summarize(reference.samples)?.wallMs : undefined;
  const godwitMs = godwit && !godwit.failure ? summarize(godwit.samples)?.wallMs : undefined;
  const refName = reference ? reference.tool : 'client';
  const ready = section.id === 'pglite';
  const head = `| tool | runs | median | min–max | CPU (user+sys) | peak RSS |${ready ? ' ready (`Connected in`) |' : ''} × ${refName} | × godwit |`;
  const lines = [head, `|---|---|---|---|---|---|${ready ? '---|' : ''}---|---|`];
  for (const row of section.rows) {
    const s = summarize(row.samples);
    if (row.notRun || row.failure || !s) {
      // A W2 row without samples or failure belongs to a tool whose W1 run failed: nothing to re-run.
      const why = row.notRun ? `not run: ${row.notRun}` : row.failure ? `**failed**: ${row.failure}` : 'not run: its W1 run failed';
      lines.push(`| ${cell(row.label)} | ${cell(why)} |${ready ? ' |' : ''} | | | | | |`);
      continue;
    }
    const readyCell = ready ? ` ${formatMs(summarize(row.samples.map((x) => ({ wallMs: x.readyMs }))).wallMs)} |` : '';
    lines.push(`| ${cell(row.label)} | ${s.runs} | ${formatMs(s.wallMs)} | ${formatMs(s.minMs)}–${formatMs(s.maxMs)} | ${formatMs(s.cpuMs)} | ${formatMb(s.rssKb)} |${readyCell} ${formatX(ratio(s.wallMs, refMs))} | ${formatX(ratio(s.wallMs, godwitMs))} |`);
  }
  return lines.join('\n');
}

function rssTable(section) {
  const lines = ['| script | runs | median | CPU (user+sys) | peak RSS (max of runs) |', '|---|---|---|---|---|'];
  for (const row of section.rows) {
    const s = summarize(row.samples);
    if (row.failure || !s) lines.push(`| ${cell(row.label)} | **failed**: ${cell(row.failure ?? 'timed out or stopped')} | | | |`);
    else lines.push(`| ${cell(row.label)} | ${s.runs} | ${formatMs(s.wallMs)} | ${formatMs(s.cpuMs)} | ${formatMb(s.maxRssKb)} |`);
  }
  return lines.join('\n');
}

/** `analysis`: hand-written Markdown (bench/ANALYSIS.md) on why godwit loses where it does, placed after the targets. */
export function renderReport({ metas, sections, note, analysis }) {
  const order = ['startup', 'W1', 'W2', 'W3', 'W3b', 'W4', 'pglite', 'rss'];
  const sorted = [...sections].sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));
  const parts = [
    '# godwit benchmark results', '',
    'Written by `npm run bench` (bench/run.mjs; bench/README.md says how to run it and what each column means).',
    'Whole processes, start-up included; wall time is the median of the runs, min–max their spread; CPU and',
    'peak RSS are medians. × columns divide a median by the reference row\'s median (the database\'s own',
    'client, or `node -e 0` where no client applies) and by godwit\'s. Ratios are only fair within one table:',
    'every table was measured in one run with its tools interleaved.',
  ];
  if (note) parts.push('', `> ${note}`);
  parts.push('', targets(sections), '');
  if (analysis) parts.push(analysis.trim(), '');
  for (const section of sorted) {
    parts.push(`## ${section.id === 'rss' ? 'W3 memory by script size' : section.id} — ${DB[section.db]}: ${section.title}`, '');
    parts.push(section.id === 'rss' ? rssTable(section) : workloadTable(section), '');
    if (section.durationSec !== undefined) parts.push(`This table took ${formatMs(section.durationSec * 1000)}${section.measuredAt ? `, run of ${section.measuredAt}` : ''}.`, '');
  }
  parts.push(machine(metas), '');
  return parts.join('\n');
}
