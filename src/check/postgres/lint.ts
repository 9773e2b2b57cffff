/**
 * PostgreSQL's rule set over the real parser's tree (libpg-query, PostgreSQL's own grammar compiled to
 * WebAssembly). It is imported only by `godwit check` and migrate's -check guard, so other commands never
 * load the WebAssembly.
 */
import { parse } from 'libpg-query';
import type { SqlStatement } from '../../dialects/dialect.js';
import { calledFunctions, charOffset, display, field, notNullCheckColumn, strings, unwrap, type Node, type Relation } from './ast.js';
import { lockEstimate, mightBeLarge, rowsNote } from '../estimate.js';
import type { RawFinding, RuleSet, RunFacts, ScriptToCheck } from '../types.js';
import { POSTGRES_RULES } from './rules.js';

/**
 * Volatile functions (pg_proc.provolatile = 'v'; uuid-ossp's and pgcrypto's included): as a DEFAULT they
 * give every existing row its own value, so PostgreSQL rewrites the table. Stable ones such as now() and
 * statement_timestamp() are evaluated once and stored in the catalog instead (PostgreSQL 11+).
 */
const VOLATILE_FUNCTIONS = new Set([
  'random', 'random_normal', 'gen_random_uuid', 'gen_random_bytes', 'uuid_generate_v1', 'uuid_generate_v1mc', 'uuid_generate_v4',
  'uuidv4', 'uuidv7', 'clock_timestamp', 'timeofday', 'nextval', 'setseed',
]);

const SERIAL_TYPES = new Set(['serial', 'serial2', 'serial4', 'serial8', 'smallserial', 'bigserial']);

/** Per-file state the rules build up as they walk the statements in order. */
interface FileState {
  lockTimeoutSet: boolean;
  lockTimeoutReported: boolean;
  inExplicitTransaction: boolean;
  /** Constraints this file added NOT VALID: validating them in the same transaction gains nothing. */
  addedNotValid: Set<string>;
}

/** What SET NOT NULL needs to know, across the files of a run (the check is often added one migration earlier). */
interface NotNullChecks {
  /** Constraint name → `table.column` for NOT VALID `CHECK (column IS NOT NULL)` constraints. */
  pending: Map<string, string>;
  /** `table.column` pairs whose `IS NOT NULL` check is validated: SET NOT NULL on them skips the scan. */
  validated: Set<string>;
}

class StatementLinter {
  readonly findings: RawFinding[] = [];

  constructor(
    private readonly script: ScriptToCheck,
    private readonly statement: SqlStatement,
    private readonly facts: RunFacts,
    private readonly file: FileState,
    private readonly checks: NotNullChecks,
  ) {}

  private report(rule: string, location: number | undefined, message: string, fix: string): void {
    this.findings.push({ rule, statement: this.statement, offset: charOffset(this.statement.sql, location), message, fix });
  }

  private existing(relation: Relation): boolean {
    return !this.facts.isNew(relation.relname);
  }

  private async estimate(relation: Relation, lock: string): Promise<string> {
    return lockEstimate(await this.facts.sizeOf(relation.schemaname, relation.relname), display(relation), lock);
  }

  /** The first locking DDL on an existing table in a file without a lock_timeout gets one finding. */
  private lockingDdl(relation: Relation, location: number | undefined): void {
    if (!this.existing(relation) || this.file.lockTimeoutSet || this.file.lockTimeoutReported || this.script.lockTimeoutConfigured) return;
    this.file.lockTimeoutReported = true;
    this.report(
      'require-lock-timeout',
      location,
      `Locking DDL on ${display(relation)} without a lock_timeout: queued behind a long transaction, it blocks every query on the table until it gets its lock.`,
      "Start the migration with SET lock_timeout = '5s' (or run godwit with -lockTimeout=5) and retry on timeout.",
    );
  }

  async lint(stmt: Node): Promise<void> {
    const [type, body] = Object.entries(stmt)[0] ?? [];
    if (type === undefined || body === null || typeof body !== 'object') return;
    const node = body as Node;
    switch (type) {
      case 'VariableSetStmt':
        if (field(node, 'name') === 'lock_timeout') this.file.lockTimeoutSet = true;
        return;
      case 'TransactionStmt': {
        const kind = field<string>(node, 'kind');
        if (kind === 'TRANS_STMT_BEGIN' || kind === 'TRANS_STMT_START') this.file.inExplicitTransaction = true;
        if (kind === 'TRANS_STMT_COMMIT' || kind === 'TRANS_STMT_ROLLBACK') this.file.inExplicitTransaction = false;
        return;
      }
      case 'CreateStmt':
        this.facts.created(field<Relation>(node, 'relation')?.relname ?? '');
        this.recordInlineChecks(node);
        return;
      case 'CreateTableAsStmt':
        this.facts.created(field<Relation>(field(node, 'into'), 'rel')?.relname ?? '');
        return;
      case 'SelectStmt': {
        const into = field<Relation>(field(node, 'intoClause'), 'rel');
        if (into) this.facts.created(into.relname);
        return;
      }
      case 'IndexStmt':
        return this.index(node);
      case 'DropStmt':
        return this.drop(node);
      case 'AlterTableStmt':
        return this.alterTable(node);
      case 'RenameStmt':
        return this.rename(node);
      case 'UpdateStmt':
      case 'DeleteStmt':
        return this.dml(type === 'UpdateStmt' ? 'UPDATE' : 'DELETE', node);
      case 'CreateTrigStmt': {
        const relation = field<Relation>(node, 'relation');
        if (relation) this.lockingDdl(relation, relation.location);
        return;
      }
      default:
        return;
    }
  }

  private concurrentlyOutsideTransaction(location: number | undefined, what: string): void {
    if (!this.script.transactional && !this.file.inExplicitTransaction) return;
    this.report(
      'concurrently-in-transaction',
      location,
      `${what} CONCURRENTLY cannot run inside a transaction block, and this migration runs in one${this.file.inExplicitTransaction ? ' (an explicit BEGIN)' : ' (executeInTransaction=true, -group=true, or other statements beside it)'}: it will fail.`,
      'Put it in a migration of its own, with no BEGIN and without executeInTransaction=true or -group=true: godwit then runs it outside a transaction.',
    );
  }

  private async index(node: Node): Promise<void> {
    const relation = field<Relation>(node, 'relation');
    if (!relation) return;
    if (field(node, 'concurrent') === true) {
      this.concurrentlyOutsideTransaction(relation.location, 'CREATE INDEX');
      return;
    }
    if (!this.existing(relation)) return;
    this.lockingDdl(relation, relation.location);
    this.report(
      'index-not-concurrent',
      0,
      `CREATE INDEX on existing table ${display(relation)} without CONCURRENTLY blocks every write to it until the index is built${await this.estimate(relation, 'a SHARE lock')}.`,
      `CREATE INDEX CONCURRENTLY ${field<string>(node, 'idxname') ?? '…'} ON ${display(relation)} …, in a migration of its own (godwit then runs it outside a transaction).`,
    );
  }

  private async drop(node: Node): Promise<void> {
    const kind = field<string>(node, 'removeType');
    if (kind === 'OBJECT_INDEX' && field(node, 'concurrent') === true) {
      this.concurrentlyOutsideTransaction(0, 'DROP INDEX');
      return;
    }
    if (kind !== 'OBJECT_TABLE') return;
    const objects = field<unknown[]>(node, 'objects') ?? [];
    for (const object of objects) {
      const names = strings(field(unwrap(object, 'List'), 'items'));
      const relname = names.at(-1) ?? '';
      const relation: Relation = { relname, schemaname: names.length > 1 ? names.at(-2) : undefined };
      if (!this.existing(relation)) continue;
      this.lockingDdl(relation, 0);
      this.report(
        'drop-table',
        0,
        `DROP TABLE ${display(relation)} deletes its data, and code still running that reads or writes it fails.`,
        `Stop using ${display(relation)} in the deployed code first, drop it in a later release (the contract phase), and mark that statement -- godwit:ignore drop-table <reason>.`,
      );
    }
  }

  private async alterTable(node: Node): Promise<void> {
    if (field(node, 'objtype') !== 'OBJECT_TABLE') return;
    const relation = field<Relation>(node, 'relation');
    if (!relation) return;
    const existing = this.existing(relation);
    const table = display(relation);
    if (existing) this.lockingDdl(relation, relation.location);
    for (const wrapped of field<unknown[]>(node, 'cmds') ?? []) {
      const cmd = unwrap(wrapped, 'AlterTableCmd');
      if (!cmd) continue;
      const subtype = field<string>(cmd, 'subtype');
      const column = field<string>(cmd, 'name');
      if (subtype === 'AT_AddConstraint') {
        await this.addConstraint(relation, unwrap(field(cmd, 'def'), 'Constraint'), existing);
      } else if (subtype === 'AT_ValidateConstraint' && column !== undefined) {
        const target = this.checks.pending.get(column);
        if (target) this.checks.validated.add(target);
        if (this.file.addedNotValid.has(column) && (this.script.transactional || this.file.inExplicitTransaction)) {
          this.report(
            'constraint-not-valid',
            0,
            `VALIDATE CONSTRAINT ${column} runs in the same transaction as the ADD CONSTRAINT … NOT VALID before it, so the ADD's lock stays held through the whole validating scan of ${table}.`,
            `Move ALTER TABLE ${table} VALIDATE CONSTRAINT ${column} into the next migration, so it runs in a transaction of its own.`,
          );
        }
      }
      if (!existing) continue;
      switch (subtype) {
        case 'AT_AddColumn':
          await this.addColumn(relation, unwrap(field(cmd, 'def'), 'ColumnDef'));
          break;
        case 'AT_AlterColumnType': {
          const def = unwrap(field(cmd, 'def'), 'ColumnDef');
          this.report(
            'column-type-change',
            field<number>(def, 'location'),
            `Changing the type of ${table}.${column ?? '?'} rewrites the table and its indexes under an ACCESS EXCLUSIVE lock (unless the old type is binary-coercible to the new one, such as varchar(n) to text)${await this.estimate(relation, 'an ACCESS EXCLUSIVE lock')}.`,
            `Add a new column of the new type, write to both, backfill it in batches, switch reads, then drop ${column ?? 'the old column'} (expand-contract).`,
          );
          break;
        }
        case 'AT_SetNotNull':
          if (!this.checks.validated.has(`${relation.relname}.${column ?? ''}`)) {
            this.report(
              'set-not-null',
              0,
              `SET NOT NULL on ${table}.${column ?? '?'} scans the whole table under an ACCESS EXCLUSIVE lock${await this.estimate(relation, 'an ACCESS EXCLUSIVE lock')}.`,
              `ADD CONSTRAINT ${relation.relname}_${column ?? 'col'}_not_null CHECK (${column ?? 'col'} IS NOT NULL) NOT VALID; VALIDATE CONSTRAINT it in a later migration; then SET NOT NULL (PostgreSQL 12+ skips the scan) and drop the check.`,
            );
          }
          break;
        case 'AT_DropColumn':
          this.report(
            'drop-column',
            0,
            `DROP COLUMN ${table}.${column ?? '?'} deletes its data, and code still running that reads or writes it fails.`,
            `Stop using ${column ?? 'the column'} in the deployed code first, drop it in a later release (the contract phase), and mark that statement -- godwit:ignore drop-column <reason>.`,
          );
          break;
        default:
          break;
      }
    }
  }

  private async addColumn(relation: Relation, def: Node | undefined): Promise<void> {
    if (!def) return;
    const column = field<string>(def, 'colname') ?? '?';
    const table = display(relation);
    const constraints = (field<unknown[]>(def, 'constraints') ?? []).map((c) => unwrap(c, 'Constraint')).filter((c): c is Node => c !== undefined);
    const kinds = constraints.map((c) => field<string>(c, 'contype'));
    const defaultExpr = constraints.find((c) => field(c, 'contype') === 'CONSTR_DEFAULT');
    const typeName = strings(field(field(def, 'typeName'), 'names')).at(-1) ?? '';
    const volatile =
      SERIAL_TYPES.has(typeName) ||
      kinds.includes('CONSTR_IDENTITY') ||
      kinds.includes('CONSTR_GENERATED') ||
      (defaultExpr !== undefined && calledFunctions(field(defaultExpr, 'raw_expr')).some((name) => VOLATILE_FUNCTIONS.has(name)));
    if (volatile) {
      this.report(
        'volatile-default',
        field<number>(def, 'location'),
        `Adding ${table}.${column} with a value computed per row (volatile DEFAULT, serial, identity or stored generated column) rewrites the whole table under an ACCESS EXCLUSIVE lock${await this.estimate(relation, 'an ACCESS EXCLUSIVE lock')}.`,
        `Add ${column} without a default, then ALTER COLUMN ${column} SET DEFAULT … (new rows only), and backfill existing rows in batches.`,
      );
      return;
    }
    if (kinds.includes('CONSTR_NOTNULL') && defaultExpr === undefined) {
      this.report(
        'add-column-not-null-no-default',
        field<number>(def, 'location'),
        `Adding ${table}.${column} NOT NULL without a DEFAULT fails as soon as the table has a row.`,
        `Add ${column} nullable (or with a constant DEFAULT), backfill it in batches, then add CHECK (${column} IS NOT NULL) NOT VALID, VALIDATE it, and SET NOT NULL.`,
      );
    }
  }

  private async addConstraint(relation: Relation, constraint: Node | undefined, existing: boolean): Promise<void> {
    if (!constraint) return;
    const kind = field<string>(constraint, 'contype');
    const name = field<string>(constraint, 'conname');
    const notValid = field(constraint, 'skip_validation') === true;
    if (notValid && name !== undefined) this.file.addedNotValid.add(name);
    if (kind === 'CONSTR_CHECK') {
      const column = notNullCheckColumn(field(constraint, 'raw_expr'));
      const target = column === undefined ? undefined : `${relation.relname}.${column}`;
      if (target !== undefined && !notValid) this.checks.validated.add(target);
      if (target !== undefined && notValid && name !== undefined) this.checks.pending.set(name, target);
    }
    if (!existing) return;
    const table = display(relation);
    if ((kind === 'CONSTR_FOREIGN' || kind === 'CONSTR_CHECK') && !notValid) {
      const what = kind === 'CONSTR_FOREIGN' ? 'FOREIGN KEY' : 'CHECK';
      this.report(
        'constraint-not-valid',
        field<number>(constraint, 'location'),
        `ADD CONSTRAINT ${name === undefined ? '' : `${name} `}${what} on ${table} without NOT VALID checks every row while holding a lock that blocks writes${await this.estimate(relation, 'the lock')}.`,
        `ADD CONSTRAINT ${name ?? '…'} … NOT VALID, then ALTER TABLE ${table} VALIDATE CONSTRAINT ${name ?? '…'} in a later migration (it takes only a SHARE UPDATE EXCLUSIVE lock).`,
      );
    }
    if ((kind === 'CONSTR_UNIQUE' || kind === 'CONSTR_PRIMARY') && field(constraint, 'indexname') === undefined) {
      this.report(
        'index-not-concurrent',
        field<number>(constraint, 'location'),
        `ADD CONSTRAINT ${kind === 'CONSTR_UNIQUE' ? 'UNIQUE' : 'PRIMARY KEY'} on ${table} builds its index under an ACCESS EXCLUSIVE lock${await this.estimate(relation, 'an ACCESS EXCLUSIVE lock')}.`,
        `CREATE UNIQUE INDEX CONCURRENTLY … ON ${table} (…) in a migration of its own, then ADD CONSTRAINT ${name ?? '…'} ${kind === 'CONSTR_UNIQUE' ? 'UNIQUE' : 'PRIMARY KEY'} USING INDEX ….`,
      );
    }
  }

  /** CHECK (col IS NOT NULL) written in CREATE TABLE is valid from the start. */
  private recordInlineChecks(node: Node): void {
    const relname = field<Relation>(node, 'relation')?.relname ?? '';
    for (const element of field<unknown[]>(node, 'tableElts') ?? []) {
      const column = notNullCheckColumn(field(unwrap(element, 'Constraint'), 'raw_expr'));
      if (column !== undefined) this.checks.validated.add(`${relname}.${column}`);
    }
  }

  private rename(node: Node): void {
    const kind = field<string>(node, 'renameType');
    const relation = field<Relation>(node, 'relation');
    if (!relation || (kind !== 'OBJECT_COLUMN' && kind !== 'OBJECT_TABLE') || !this.existing(relation)) return;
    this.lockingDdl(relation, relation.location);
    const table = display(relation);
    const newName = field<string>(node, 'newname') ?? '?';
    if (kind === 'OBJECT_COLUMN') {
      const column = field<string>(node, 'subname') ?? '?';
      this.report(
        'rename',
        0,
        `Renaming ${table}.${column} to ${newName} breaks every running instance of the code that still uses ${column}.`,
        `Add ${newName}, write to both (a trigger helps), backfill in batches, switch reads to ${newName}, then drop ${column} in a later release (expand-contract).`,
      );
    } else {
      this.report(
        'rename',
        0,
        `Renaming table ${table} to ${newName} breaks every running instance of the code that still uses ${relation.relname}.`,
        `Create ${newName}, keep the two in step (or leave a view named ${relation.relname} behind), switch the code, then drop the old name in a later release (expand-contract).`,
      );
    }
  }

  private async dml(verb: 'UPDATE' | 'DELETE', node: Node): Promise<void> {
    const relation = field<Relation>(node, 'relation');
    if (!relation || field(node, 'whereClause') !== undefined || !this.existing(relation)) return;
    const size = await this.facts.sizeOf(relation.schemaname, relation.relname);
    if (!mightBeLarge(this.facts.connected, size)) return;
    const known = rowsNote(size);
    this.report(
      'dml-without-where',
      0,
      `${verb} without WHERE touches every row of ${display(relation)}${known} in one transaction, holding row locks and bloating the table until it commits.`,
      `${verb === 'UPDATE' ? 'Backfill' : 'Delete'} in batches by key range (… WHERE id IN (SELECT id FROM ${display(relation)} WHERE … LIMIT 10000)), committing between batches.`,
    );
  }
}

/** libpg-query's error, as a finding at the position it names. */
function syntaxFinding(statement: SqlStatement, error: unknown): RawFinding {
  const details = field<{ cursorPosition?: number }>(error, 'sqlDetails');
  const message = error instanceof Error ? error.message : String(error);
  return {
    rule: 'syntax-error',
    statement,
    offset: charOffset(statement.sql, details?.cursorPosition),
    message: `PostgreSQL's parser refuses this statement: ${message}.`,
    fix: 'Fix the SQL; godwit check could not look at this statement for other dangers.',
  };
}

export const postgresRuleSet: RuleSet = {
  name: 'postgresql',
  rules: POSTGRES_RULES,
  start(facts) {
    const checks: NotNullChecks = { pending: new Map(), validated: new Set() };
    return async (script) => {
      const file: FileState = { lockTimeoutSet: false, lockTimeoutReported: false, inExplicitTransaction: false, addedNotValid: new Set() };
      const findings: RawFinding[] = [];
      for (const statement of script.statements) {
        let parsed;
        try {
          parsed = await parse(statement.sql);
        } catch (error) {
          findings.push(syntaxFinding(statement, error));
          continue;
        }
        for (const raw of parsed.stmts ?? []) {
          const linter = new StatementLinter(script, statement, facts, file, checks);
          await linter.lint(raw.stmt as Node);
          findings.push(...linter.findings);
        }
      }
      return findings;
    };
  },
};
