import { GodwitError } from '../errors.js';
import type { SqlStatement } from '../dialects/dialect.js';

/**
 * `-- godwit:ignore rule-id[,rule-id…] reason` silences those rules for the next statement;
 * `-- godwit:ignore-file rule-id[,…] reason` for the whole file. The reason is required: a silenced
 * danger should say why it is safe here, for the next reader.
 */
const DIRECTIVE = /^\s*--\s*godwit:(ignore(?:-file)?)\b(.*)$/;

export interface Suppressions {
  /** Rules silenced for every statement of the file. */
  file: Set<string>;
  /** Statement (by its start line) → rules silenced for it. */
  byStatement: Map<number, Set<string>>;
}

export function readSuppressions(text: string, file: string, statements: SqlStatement[], knownRules: ReadonlySet<string>): Suppressions {
  const result: Suppressions = { file: new Set(), byStatement: new Map() };
  const starts = statements.map((s) => s.line).sort((a, b) => a - b);
  text.split(/\r\n|\r|\n/).forEach((content, index) => {
    const match = DIRECTIVE.exec(content);
    if (!match) return;
    const line = index + 1;
    const [, form, rest = ''] = match;
    const [list = '', ...reason] = rest.trim().split(/\s+/);
    const rules = list.split(',').filter((r) => r !== '');
    const where = `${file}:${line}`;
    if (rules.length === 0 || reason.length === 0) {
      throw new GodwitError('CHECK_SUPPRESSION', `The godwit:${form ?? 'ignore'} comment at ${where} needs a rule id and a reason.`, {
        location: where,
        hint: `Write it as -- godwit:${form ?? 'ignore'} drop-column the column left the code in release 42`,
      });
    }
    const unknown = rules.find((r) => !knownRules.has(r));
    if (unknown !== undefined) {
      throw new GodwitError('CHECK_SUPPRESSION', `The godwit:${form ?? 'ignore'} comment at ${where} names an unknown rule '${unknown}'.`, {
        location: where,
        hint: `Rules: ${[...knownRules].sort().join(', ')}.`,
      });
    }
    if (form === 'ignore-file') {
      for (const rule of rules) result.file.add(rule);
      return;
    }
    const next = starts.find((start) => start > line);
    if (next === undefined) return;
    const set = result.byStatement.get(next) ?? new Set<string>();
    for (const rule of rules) set.add(rule);
    result.byStatement.set(next, set);
  });
  return result;
}

export function isSuppressed(suppressions: Suppressions, statement: SqlStatement, rule: string): boolean {
  return suppressions.file.has(rule) || (suppressions.byStatement.get(statement.line)?.has(rule) ?? false);
}
