/**
 * Flyway's schema history SQL for MySQL and MariaDB (flyway-compat.md §3), as MySQLDatabase and
 * MariaDBDatabase write it. Values travel as prepared-statement parameters: escaping by hand would break
 * on servers running with NO_BACKSLASH_ESCAPES.
 */
export interface HistoryTableNames {
  /** `` `db`.`table` `` */
  qualified: string;
  /** `` `table_pk` `` on MySQL; "" on MariaDB, whose key is then named PRIMARY, as Flyway leaves it. */
  constraint: string;
  /** `` `table_s_idx` `` */
  index: string;
  /** `` TABLESPACE `ts` ``, or "". Flyway writes the name in double quotes, which MySQL only parses under ANSI_QUOTES. */
  tablespace: string;
}

/** installed_by when the engine passes none: Flyway's `SELECT SUBSTRING_INDEX(USER(),'@',1)`. */
export const SESSION_USER_SQL = "SUBSTRING_INDEX(USER(),'@',1)";

function columns(n: HistoryTableNames): string {
  return `(
    \`installed_rank\` INT NOT NULL,
    \`version\` VARCHAR(50),
    \`description\` VARCHAR(200) NOT NULL,
    \`type\` VARCHAR(20) NOT NULL,
    \`script\` VARCHAR(1000) NOT NULL,
    \`checksum\` INT,
    \`installed_by\` VARCHAR(100) NOT NULL,
    \`installed_on\` TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    \`execution_time\` INT NOT NULL,
    \`success\` BOOL NOT NULL,
    CONSTRAINT ${n.constraint} PRIMARY KEY (\`installed_rank\`)
)${n.tablespace}`;
}

export function createTableSql(n: HistoryTableNames): string {
  return `CREATE TABLE ${n.qualified} ${columns(n)}`;
}

/**
 * The table created together with its baseline row, as Flyway does: MySQL commits each DDL statement, so
 * a separate INSERT would leave a moment where the table exists without the row.
 * Parameters: rank, version, description, type, script, checksum, installed_by, execution_time, success.
 */
export function createTableAsBaselineSql(n: HistoryTableNames): string {
  return `${createTableSql(n)} AS SELECT
    ? AS \`installed_rank\`, ? AS \`version\`, ? AS \`description\`, ? AS \`type\`, ? AS \`script\`, ? AS \`checksum\`,
    COALESCE(?, ${SESSION_USER_SQL}) AS \`installed_by\`, CURRENT_TIMESTAMP AS \`installed_on\`, ? AS \`execution_time\`, ? AS \`success\``;
}

export function createIndexSql(n: HistoryTableNames): string {
  return `CREATE INDEX ${n.index} ON ${n.qualified} (\`success\`)`;
}

/** Parameters as for createTableAsBaselineSql; or, given, the nine values as SQL literals. */
export function insertRowSql(qualified: string, values: readonly string[] = Array<string>(9).fill('?')): string {
  const [rank, version, description, type, script, checksum, installedBy, executionTime, success] = values;
  return `INSERT INTO ${qualified} (\`installed_rank\`, \`version\`, \`description\`, \`type\`, \`script\`, \`checksum\`, \`installed_by\`, \`execution_time\`, \`success\`) VALUES (${rank}, ${version}, ${description}, ${type}, ${script}, ${checksum}, COALESCE(${installedBy}, ${SESSION_USER_SQL}), ${executionTime}, ${success})`;
}

/**
 * installed_on is a TIMESTAMP, which the server hands out in the session's time zone; UNIX_TIMESTAMP of
 * the column returns the stored instant itself, so godwit reads the true moment whatever the server's,
 * the session's or the client's zone.
 */
/** With `after`, only the rows ranked above the parameter. */
export function selectRowsSql(qualified: string, after = false): string {
  return `SELECT \`installed_rank\`, \`version\`, \`description\`, \`type\`, \`script\`, \`checksum\`, \`installed_by\`, UNIX_TIMESTAMP(\`installed_on\`) AS \`installed_on_epoch\`, \`execution_time\`, \`success\` FROM ${qualified}${after ? ' WHERE `installed_rank` > ?' : ''} ORDER BY \`installed_rank\``;
}

/**
 * Fails (ER_SUBQUERY_NO_1_ROW, SQLSTATE 21000) when a row ranks above `afterRank`: the subquery then
 * returns more than one row. A SET, since it returns no rows, and DO would swallow the error.
 */
export function noRowAfterGuardSql(qualified: string, afterRank: number): string {
  return `SET @godwit_history_unchanged = (SELECT 1 UNION ALL SELECT 1 FROM ${qualified} WHERE \`installed_rank\` > ${Math.trunc(afterRank)})`;
}

export function updateRowSql(qualified: string): string {
  return `UPDATE ${qualified} SET \`description\` = ?, \`type\` = ?, \`checksum\` = ? WHERE \`installed_rank\` = ?`;
}

export function deleteRowsSql(qualified: string, count: number): string {
  return `DELETE FROM ${qualified} WHERE \`installed_rank\` IN (${Array.from({ length: count }, () => '?').join(', ')})`;
}
