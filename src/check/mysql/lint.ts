/**
 * MySQL/MariaDB's rule set. godwit's MySQL splitter cuts the statements; each is read as tokens (strings
 * and comments set aside), which is enough for the statements whose danger shows in their first words and
 * their ALTER TABLE clauses.
 */
import type { SqlStatement } from '../../dialects/dialect.js';
import { lockEstimate, mightBeLarge, rowsNote } from '../estimate.js';
import type { RawFinding, RuleSet, RunFacts, ScriptToCheck } from '../types.js';
import { MYSQL_RULES } from './rules.js';
import { clauses, tableName, tokenize, type Token } from './tokens.js';


const INDEX_WORDS = new Set(['INDEX', 'KEY', 'UNIQUE', 'FULLTEXT', 'SPATIAL', 'PRIMARY', 'CONSTRAINT', 'FOREIGN', 'CHECK', 'PARTITION']);

interface Table {
  schema?: string;
  name: string;
  offset: number;
}

function display(table: Table): string {
  return table.schema ? `${table.schema}.${table.name}` : table.name;
}

/** The value of `ALGORITHM [=] x` / `LOCK [=] x` among the tokens, upper-cased. */
function option(tokens: Token[], name: string): string | undefined {
  const at = tokens.findIndex((t) => t.keyword === name && t.depth === 0);
  if (at === -1) return undefined;
  const value = tokens[at + 1]?.text === '=' ? tokens[at + 2] : tokens[at + 1];
  return value?.keyword;
}

/** Online means: it fails rather than copying the table or blocking writes. */
function isOnline(tokens: Token[]): boolean {
  const algorithm = option(tokens, 'ALGORITHM');
  return algorithm === 'INSTANT' || (algorithm === 'INPLACE' && option(tokens, 'LOCK') === 'NONE');
}

class MysqlScriptLinter {
  readonly findings: RawFinding[] = [];
  private lockTimeoutSet = false;
  private lockTimeoutReported = false;
  private statement!: SqlStatement;

  constructor(
    private readonly script: ScriptToCheck,
    private readonly facts: RunFacts,
  ) {}

  private report(rule: string, offset: number, message: string, fix: string): void {
    this.findings.push({ rule, statement: this.statement, offset, message, fix });
  }

  private existing(table: Table): boolean {
    return !this.facts.isNew(table.name.toLowerCase());
  }

  private async estimate(table: Table, lock: string): Promise<string> {
    return lockEstimate(await this.facts.sizeOf(table.schema, table.name), display(table), lock);
  }

  private lockingDdl(table: Table): void {
    if (!this.existing(table) || this.lockTimeoutSet || this.lockTimeoutReported || this.script.lockTimeoutConfigured) return;
    this.lockTimeoutReported = true;
    this.report(
      'require-lock-timeout',
      table.offset,
      `DDL on ${display(table)} without a lock_wait_timeout: behind a long transaction it waits for its metadata lock (up to a year by default) while every query on the table queues behind it.`,
      'Start the migration with SET SESSION lock_wait_timeout = 5 (or run godwit with -lockTimeout=5) and retry on timeout.',
    );
  }

  async lint(statement: SqlStatement): Promise<void> {
    this.statement = statement;
    const tokens = tokenize(statement.sql);
    const [first, second] = tokens;
    switch (first?.keyword) {
      case 'SET':
        if (tokens.some((t) => t.keyword === 'LOCK_WAIT_TIMEOUT')) this.lockTimeoutSet = true;
        return;
      case 'CREATE':
        return this.create(tokens);
      case 'ALTER': {
        const at = tokens.findIndex((t) => t.keyword === 'TABLE');
        if (at !== -1 && at <= 3) await this.alterTable(tokens, at + 1);
        return;
      }
      case 'RENAME':
        if (second?.keyword === 'TABLE') this.renameTables(tokens);
        return;
      case 'DROP':
        if (second?.keyword === 'TABLE' || tokens[2]?.keyword === 'TABLE') this.dropTables(tokens);
        return;
      case 'UPDATE':
      case 'DELETE':
        return this.dml(first.keyword, tokens);
      default:
        return;
    }
  }

  private async create(tokens: Token[]): Promise<void> {
    const tableAt = tokens.findIndex((t) => t.keyword === 'TABLE');
    const indexAt = tokens.findIndex((t) => t.keyword === 'INDEX');
    if (tableAt !== -1 && tableAt <= 2 && (indexAt === -1 || tableAt < indexAt)) {
      let at = tableAt + 1;
      if (tokens[at]?.keyword === 'IF') at += 3;
      const table = tableName(tokens, at);
      if (table) this.facts.created(table.name.toLowerCase());
      return;
    }
    if (indexAt === -1 || indexAt > 3) return;
    const on = tokens.findIndex((t) => t.keyword === 'ON' && t.depth === 0);
    const table = on === -1 ? undefined : tableName(tokens, on + 1);
    if (!table || !this.existing(table)) return;
    this.lockingDdl(table);
    if (!isOnline(tokens)) {
      this.report(
        'alter-not-online',
        0,
        `CREATE INDEX on existing table ${display(table)} without ALGORITHM=INPLACE, LOCK=NONE: should the server not build it online, it copies the table and blocks writes instead of failing${await this.estimate(table, 'the write lock')}.`,
        `Append ALGORITHM=INPLACE, LOCK=NONE, so the server refuses rather than locking; for what cannot run online use gh-ost or pt-online-schema-change.`,
      );
    }
  }

  private async alterTable(tokens: Token[], at: number): Promise<void> {
    const name = tableName(tokens, at);
    if (!name) return;
    const table: Table = name;
    if (!this.existing(table)) return;
    this.lockingDdl(table);
    const online = isOnline(tokens);
    let onlineCapable = false;
    for (const clause of clauses(tokens.slice(name.next))) {
      const [verb, object] = clause;
      const words = clause.filter((t) => t.depth === 0).map((t) => t.keyword);
      switch (verb?.keyword) {
        case 'ADD':
          if (words.includes('FOREIGN')) await this.foreignKey(table, verb.offset);
          else onlineCapable = true;
          break;
        case 'DROP':
          if (object && INDEX_WORDS.has(object.keyword)) {
            onlineCapable = true;
          } else {
            const column = object?.keyword === 'COLUMN' ? clause[2] : object;
            this.report(
              'drop-column',
              verb.offset,
              `DROP COLUMN ${display(table)}.${column?.text ?? '?'} deletes its data, and code still running that reads or writes it fails.`,
              `Stop using ${column?.text ?? 'the column'} in the deployed code first, drop it in a later release (the contract phase), and mark that statement -- godwit:ignore drop-column <reason>.`,
            );
          }
          break;
        case 'MODIFY':
          await this.typeChange(table, verb.offset, object?.keyword === 'COLUMN' ? clause[2] : object);
          break;
        case 'CHANGE': {
          const from = object?.keyword === 'COLUMN' ? clause[2] : object;
          const to = object?.keyword === 'COLUMN' ? clause[3] : clause[2];
          if (from && to && from.text.toLowerCase() !== to.text.toLowerCase()) this.renameColumn(table, verb.offset, from.text, to.text);
          else await this.typeChange(table, verb.offset, from);
          break;
        }
        case 'RENAME':
          if (object?.keyword === 'COLUMN') this.renameColumn(table, verb.offset, clause[2]?.text ?? '?', clause[4]?.text ?? '?');
          else if (object && !['INDEX', 'KEY'].includes(object.keyword)) this.renameTable(table, verb.offset, clause.at(-1)?.text ?? '?');
          break;
        case 'ALTER':
          onlineCapable = true;
          break;
        default:
          break;
      }
    }
    if (onlineCapable && !online) {
      this.report(
        'alter-not-online',
        0,
        `ALTER TABLE ${display(table)} without ALGORITHM=INPLACE, LOCK=NONE (or ALGORITHM=INSTANT): should the server not do it online, it copies the table and blocks writes instead of failing${await this.estimate(table, 'the write lock')}.`,
        `Append ALGORITHM=INSTANT (adding a column, MySQL 8.0.12+) or ALGORITHM=INPLACE, LOCK=NONE (indexes), so the server refuses rather than locking.`,
      );
    }
  }

  private async foreignKey(table: Table, offset: number): Promise<void> {
    this.report(
      'foreign-key',
      offset,
      `ADD FOREIGN KEY on existing table ${display(table)} copies the table while foreign_key_checks is on, blocking writes, and locks the parent table's metadata${await this.estimate(table, 'the write lock')}.`,
      'Add the foreign key when the table is created, or run it with SET foreign_key_checks = 0 and ALGORITHM=INPLACE after checking for orphans yourself (or through gh-ost / pt-online-schema-change).',
    );
  }

  private async typeChange(table: Table, offset: number, column: Token | undefined): Promise<void> {
    this.report(
      'column-type-change',
      offset,
      `Changing the definition of ${display(table)}.${column?.text ?? '?'} copies the table (ALGORITHM=COPY), blocking writes throughout${await this.estimate(table, 'the write lock')}.`,
      `Add a new column of the new type, write to both, backfill in batches, switch reads, then drop ${column?.text ?? 'the old column'} (expand-contract), or use gh-ost / pt-online-schema-change.`,
    );
  }

  private renameColumn(table: Table, offset: number, from: string, to: string): void {
    this.report(
      'rename',
      offset,
      `Renaming ${display(table)}.${from} to ${to} breaks every running instance of the code that still uses ${from}.`,
      `Add ${to}, write to both, backfill in batches, switch reads to ${to}, then drop ${from} in a later release (expand-contract).`,
    );
  }

  private renameTable(table: Table, offset: number, to: string): void {
    this.report(
      'rename',
      offset,
      `Renaming table ${display(table)} to ${to} breaks every running instance of the code that still uses ${table.name}.`,
      `Create ${to}, keep the two in step (or leave a view named ${table.name} behind), switch the code, then drop the old name in a later release (expand-contract).`,
    );
  }

  private renameTables(tokens: Token[]): void {
    for (const clause of clauses(tokens.slice(2))) {
      const table = tableName(clause, 0);
      if (!table || !this.existing(table)) continue;
      this.lockingDdl(table);
      this.renameTable(table, table.offset, clause.at(-1)?.text ?? '?');
    }
  }

  private dropTables(tokens: Token[]): void {
    let at = tokens.findIndex((t) => t.keyword === 'TABLE') + 1;
    if (tokens[at]?.keyword === 'IF') at += 2;
    for (const clause of clauses(tokens.slice(at))) {
      const table = tableName(clause, 0);
      if (!table || !this.existing(table)) continue;
      this.lockingDdl(table);
      this.report(
        'drop-table',
        table.offset,
        `DROP TABLE ${display(table)} deletes its data, and code still running that reads or writes it fails.`,
        `Stop using ${display(table)} in the deployed code first, drop it in a later release (the contract phase), and mark that statement -- godwit:ignore drop-table <reason>.`,
      );
    }
  }

  private async dml(verb: 'UPDATE' | 'DELETE', tokens: Token[]): Promise<void> {
    const bounded = tokens.some((t) => t.depth === 0 && (t.keyword === 'WHERE' || t.keyword === 'LIMIT'));
    if (bounded) return;
    const skip = new Set(['LOW_PRIORITY', 'QUICK', 'IGNORE', 'FROM']);
    let at = 1;
    while (tokens[at] && skip.has(tokens[at]?.keyword ?? '')) at++;
    const table = tableName(tokens, at);
    if (!table || !this.existing(table)) return;
    const size = await this.facts.sizeOf(table.schema, table.name);
    if (!mightBeLarge(this.facts.connected, size)) return;
    const known = rowsNote(size);
    this.report(
      'dml-without-where',
      0,
      `${verb} without WHERE touches every row of ${display(table)}${known} in one transaction, holding row locks and growing the undo log until it commits.`,
      `${verb === 'UPDATE' ? 'Backfill' : 'Delete'} in batches: … WHERE id BETWEEN ? AND ? (or … LIMIT 10000 repeated until no row changes), committing between batches.`,
    );
  }
}

export const mysqlRuleSet: RuleSet = {
  name: 'mysql',
  rules: MYSQL_RULES,
  start(facts) {
    return async (script) => {
      const linter = new MysqlScriptLinter(script, facts);
      for (const statement of script.statements) await linter.lint(statement);
      return linter.findings;
    };
  },
};
