/**
 * The history table DDL for MySQL and MariaDB, compared with the text Flyway's MySQLDatabase and
 * MariaDBDatabase build (flyway-compat.md §3), written out here by hand.
 */
import { describe, expect, it } from 'vitest';
import { createIndexSql, createTableAsBaselineSql, createTableSql, deleteRowsSql, insertRowSql, type HistoryTableNames } from '../../src/dialects/mysql/history-sql.js';

const COLUMNS = `    \`installed_rank\` INT NOT NULL,
    \`version\` VARCHAR(50),
    \`description\` VARCHAR(200) NOT NULL,
    \`type\` VARCHAR(20) NOT NULL,
    \`script\` VARCHAR(1000) NOT NULL,
    \`checksum\` INT,
    \`installed_by\` VARCHAR(100) NOT NULL,
    \`installed_on\` TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    \`execution_time\` INT NOT NULL,
    \`success\` BOOL NOT NULL,`;

const mysqlNames: HistoryTableNames = {
  qualified: '`shop`.`flyway_schema_history`',
  constraint: '`flyway_schema_history_pk`',
  index: '`flyway_schema_history_s_idx`',
  tablespace: '',
};
const mariadbNames: HistoryTableNames = { ...mysqlNames, constraint: '' };

describe('MySQL/MariaDB history table SQL', () => {
  it('is Flyway\'s CREATE TABLE for MySQL, with the named key inline and no ENGINE or CHARSET', () => {
    expect(createTableSql(mysqlNames)).toBe(`CREATE TABLE \`shop\`.\`flyway_schema_history\` (
${COLUMNS}
    CONSTRAINT \`flyway_schema_history_pk\` PRIMARY KEY (\`installed_rank\`)
)`);
  });

  it('is Flyway\'s CREATE TABLE for MariaDB, whose constraint has no name (two spaces)', () => {
    expect(createTableSql(mariadbNames)).toContain('\n    CONSTRAINT  PRIMARY KEY (`installed_rank`)\n)');
    expect(createTableSql(mariadbNames)).not.toContain('_pk');
  });

  it('indexes success', () => {
    expect(createIndexSql(mysqlNames)).toBe('CREATE INDEX `flyway_schema_history_s_idx` ON `shop`.`flyway_schema_history` (`success`)');
  });

  it('puts a tablespace after the closing parenthesis', () => {
    expect(createTableSql({ ...mysqlNames, tablespace: ' TABLESPACE `ts`' }).endsWith(') TABLESPACE `ts`')).toBe(true);
  });

  it('creates the table with its baseline row in one statement, as Flyway does, with installed_on from the server', () => {
    const sql = createTableAsBaselineSql(mysqlNames);
    expect(sql.startsWith(`${createTableSql(mysqlNames)} AS SELECT`)).toBe(true);
    expect(sql).toContain("COALESCE(?, SUBSTRING_INDEX(USER(),'@',1)) AS `installed_by`");
    expect(sql).toContain('CURRENT_TIMESTAMP AS `installed_on`');
    expect(sql.match(/\?/g)).toHaveLength(9);
  });

  it('inserts without installed_on (the column default) and falls back to Flyway\'s user expression', () => {
    const sql = insertRowSql('`shop`.`h`');
    expect(sql).not.toContain('installed_on');
    expect(sql).toContain("COALESCE(?, SUBSTRING_INDEX(USER(),'@',1))");
    expect(sql.match(/\?/g)).toHaveLength(9);
  });

  it('deletes one placeholder per rank', () => {
    expect(deleteRowsSql('`shop`.`h`', 3)).toBe('DELETE FROM `shop`.`h` WHERE `installed_rank` IN (?, ?, ?)');
  });
});
