/** Flyway's schema history DDL for PostgreSQL, character for character (flyway-compat.md §3). */
export interface HistoryTableNames {
  /** `"schema"."table"` */
  qualified: string;
  /** The quoted primary key name, `"table_pk"`. */
  pk: string;
  /** The quoted index name, `"table_s_idx"`. */
  index: string;
  /** ` TABLESPACE "ts"`, or "". */
  tablespace: string;
}

export function createTableSql(n: HistoryTableNames): string {
  return `CREATE TABLE ${n.qualified} (
    "installed_rank" INT NOT NULL,
    "version" VARCHAR(50),
    "description" VARCHAR(200) NOT NULL,
    "type" VARCHAR(20) NOT NULL,
    "script" VARCHAR(1000) NOT NULL,
    "checksum" INTEGER,
    "installed_by" VARCHAR(100) NOT NULL,
    "installed_on" TIMESTAMP NOT NULL DEFAULT now(),
    "execution_time" INTEGER NOT NULL,
    "success" BOOLEAN NOT NULL
)${n.tablespace}`;
}

export function addPrimaryKeySql(n: HistoryTableNames): string {
  const usingIndex = n.tablespace === '' ? '' : ` USING INDEX${n.tablespace}`;
  return `ALTER TABLE ${n.qualified} ADD CONSTRAINT ${n.pk} PRIMARY KEY ("installed_rank")${usingIndex}`;
}

export function createIndexSql(n: HistoryTableNames): string {
  return `CREATE INDEX ${n.index} ON ${n.qualified} ("success")${n.tablespace}`;
}

const ROW_PARAMETERS = ['$1', '$2', '$3', '$4', '$5', '$6', '$7', '$8', '$9'];

/** `values`: the nine values as SQL text, parameters by default, or literals to send the row as plain text. */
export function insertRowSql(qualified: string, values: readonly string[] = ROW_PARAMETERS): string {
  const [rank, version, description, type, script, checksum, installedBy, executionTime, success] = values;
  return `INSERT INTO ${qualified} ("installed_rank", "version", "description", "type", "script", "checksum", "installed_by", "execution_time", "success") VALUES (${rank}, ${version}, ${description}, ${type}, ${script}, ${checksum}, COALESCE(${installedBy}, current_user), ${executionTime}, ${success})`;
}

/** With `afterRank` (SQL text: `$1` or a literal), only the rows ranked above it. */
export function selectRowsSql(qualified: string, afterRank?: string): string {
  return `SELECT "installed_rank", "version", "description", "type", "script", "checksum", "installed_by", "installed_on", "execution_time", "success" FROM ${qualified}${afterRank === undefined ? '' : ` WHERE "installed_rank" > ${afterRank}`} ORDER BY "installed_rank"`;
}

/** True while no row of the history ranks above `afterRank`. */
export function noRowAfterSql(qualified: string, afterRank: string): string {
  return `NOT EXISTS (SELECT 1 FROM ${qualified} WHERE "installed_rank" > ${afterRank})`;
}

export function updateRowSql(qualified: string): string {
  return `UPDATE ${qualified} SET "description" = $1, "type" = $2, "checksum" = $3 WHERE "installed_rank" = $4`;
}

export function deleteRowsSql(qualified: string): string {
  return `DELETE FROM ${qualified} WHERE "installed_rank" = ANY($1::int[])`;
}
