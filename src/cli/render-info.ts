import Table from 'cli-table3';
import type { InfoResult } from '../engine/results.js';

const HEAD = ['Category', 'Version', 'Description', 'Type', 'Installed On', 'State', 'Undoable'];

/** Flyway's ASCII borders, so that output pasted from Flyway and from godwit looks the same. */
const CHARS = {
  top: '-', 'top-mid': '+', 'top-left': '+', 'top-right': '+',
  bottom: '-', 'bottom-mid': '+', 'bottom-left': '+', 'bottom-right': '+',
  left: '|', 'left-mid': '+', mid: '-', 'mid-mid': '+', right: '|', 'right-mid': '+', middle: '|',
};

/** `yyyy-MM-dd HH:mm:ss` in local time, as Flyway's info table shows installed_on. */
function localTimestamp(iso: string): string {
  if (iso === '') return '';
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

type Cell = string | { content: string; colSpan: number };

function table(head: string[], rows: Cell[][]): string {
  const t = new Table({ head, chars: CHARS, style: { head: [], border: [], 'padding-left': 1, 'padding-right': 1, compact: true } });
  t.push(...rows);
  return t.toString();
}

export function renderInfo(result: InfoResult): string {
  const lines = [`Schema version: ${result.schemaVersion ?? '<< Empty Schema >>'}`, ''];
  if (result.migrations.length === 0) {
    lines.push(table(HEAD, [[{ content: 'No migrations found', colSpan: HEAD.length }]]));
  } else {
    lines.push(
      table(
        HEAD,
        result.migrations.map((m) => [m.category, m.version, m.description, m.type, localTimestamp(m.installedOnUTC), m.state, m.undoable]),
      ),
    );
  }
  if (!result.migrations.some((m) => m.filepath !== '')) lines.push('No migrations found on disk.');
  return lines.join('\n');
}
