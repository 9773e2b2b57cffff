// Every program the benchmark times, and how each one applies a workload folder written by gen.py.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HISTORY_DDL, MYSQL_HISTORY_DDL, MYSQL_LOCK, mysqlStatements, roundTrips, versionedFiles } from './history-model.mjs';

function output(cmd, args) {
  const result = spawnSync(cmd, args, { encoding: 'utf8' });
  return result.status === 0 ? `${result.stdout}${result.stderr}`.trim().split('\n')[0] : undefined;
}

function packageVersion(peers, name) {
  return JSON.parse(readFileSync(join(peers, 'node_modules', name, 'package.json'), 'utf8')).version;
}

/**
 * `repo` is the godwit checkout, `peers` the folder the peers are installed in. Each tool's
 * `command(database, dbName, dir)` returns what to spawn for one run against a fresh database.
 */
export function toolsFor(repo, peers) {
  const bin = (name) => join(peers, 'node_modules', '.bin', name);
  // dbmate's npm package is a Node shim that spawns the Go binary: time the binary itself, as a user
  // of the binary runs it, so one process is measured and Node's start-up is not added to dbmate.
  const dbmate = join(peers, 'node_modules', '@dbmate', 'linux-x64', 'bin', 'dbmate');
  const liquibase = join(peers, 'node_modules', 'liquibase', 'dist', 'liquibase', 'liquibase');
  const godwit = ['node', join(repo, 'bin', 'godwit.js')];
  return [
    {
      tool: 'psql', role: 'client', dbs: ['pg'],
      label: '`psql -f psql/apply.sql`',
      version: () => output('psql', ['--version']),
      command: (database, db) => ({
        cmd: 'psql',
        args: ['-X', '-q', '-h', '127.0.0.1', '-U', 'postgres', '-d', db, '-v', 'ON_ERROR_STOP=1', '-f', 'psql/apply.sql'],
      }),
    },
    {
      tool: 'psql-history', role: 'model', dbs: ['pg'], workloads: ['many', 'plpgsql'],
      label: '`psql`, with godwit\'s lock, history read and row',
      version: () => output('psql', ['--version']),
      command: (database, db, dir) => ({
        cmd: 'psql',
        args: ['-X', '-q', '-h', '127.0.0.1', '-U', 'postgres', '-d', db, '-v', 'ON_ERROR_STOP=1', '-f', historyScript(dir)],
      }),
    },
    {
      tool: 'mariadb', role: 'client', dbs: ['mysql'],
      label: '`mariadb < mariadb/apply.sql`',
      version: () => output('mariadb', ['--version']),
      command: (database, db) => ({
        cmd: 'mariadb', args: ['-h', '127.0.0.1', '-u', 'root', db], stdinFile: 'mariadb/apply.sql',
      }),
    },
    {
      tool: 'mariadb-history', role: 'model', dbs: ['mysql'], workloads: ['many', 'routines'],
      label: '`mariadb`, with godwit\'s lock, history read and row',
      version: () => output('mariadb', ['--version']),
      command: (database, db, dir) => ({
        cmd: 'mariadb', args: ['-h', '127.0.0.1', '-u', 'root', db], stdinFile: mysqlHistoryScript(dir),
      }),
    },
    {
      tool: 'godwit', role: 'godwit', dbs: ['pg', 'mysql'],
      label: 'godwit',
      version: () => output(godwit[0], [godwit[1], '--version']),
      command: (database, db) => ({
        cmd: godwit[0], args: [godwit[1], `-url=${database.jdbcUrl(db)}`, '-locations=filesystem:flyway', 'migrate'],
      }),
    },
    {
      tool: 'postgrator', role: 'peer', dbs: ['pg', 'mysql'],
      label: 'postgrator-cli',
      version: () => `postgrator-cli ${packageVersion(peers, 'postgrator-cli')} (postgrator ${packageVersion(peers, 'postgrator')})`,
      command: (database, db) => ({
        cmd: bin('postgrator'),
        args: database.name === 'PostgreSQL'
          ? ['--no-config', '-r', 'pg', '-h', '127.0.0.1', '-o', '5432', '-u', 'postgres', '-d', db, '-m', 'postgrator/*']
          : ['--no-config', '-r', 'mysql', '-h', '127.0.0.1', '-o', '3306', '-u', 'root', '-d', db, '-m', 'postgrator/*'],
      }),
    },
    {
      tool: 'dbmate', role: 'peer', dbs: ['pg', 'mysql'],
      label: 'dbmate',
      version: () => output(dbmate, ['--version']),
      command: (database, db) => ({
        cmd: dbmate,
        args: ['--url', database.name === 'PostgreSQL' ? `${database.url(db)}?sslmode=disable` : database.url(db),
          '--migrations-dir', 'dbmate', '--no-dump-schema', 'up'],
      }),
    },
    {
      tool: 'node-pg-migrate', role: 'peer', dbs: ['pg'],
      label: 'node-pg-migrate',
      version: () => `node-pg-migrate ${packageVersion(peers, 'node-pg-migrate')}`,
      // One transaction per migration as every other tool here, not its default single transaction;
      // --no-verbose stops it printing every statement (100 MB of them in W3).
      command: (database, db) => ({
        cmd: bin('node-pg-migrate'),
        args: ['up', '-m', 'node-pg-migrate', '--no-single-transaction', '--no-verbose'],
        env: { DATABASE_URL: database.url(db) },
      }),
    },
    {
      tool: 'pg-flyway', role: 'peer', dbs: ['pg'],
      label: 'pg-flyway',
      version: () => `pg-flyway ${packageVersion(peers, 'pg-flyway')}`,
      command: (database, db) => ({
        cmd: bin('pg-flyway'), args: ['migrate', '-u', database.url(db), '-l', 'flyway'],
      }),
    },
    {
      tool: 'liquibase', role: 'peer', dbs: ['pg', 'mysql'],
      label: 'Liquibase',
      // The npm package bundles Liquibase and its JDBC drivers; it runs on the system's Java. Liquibase
      // sends a raw SQL file as one statement, which MariaDB's driver refuses without allowMultiQueries.
      unavailable: () => (!existsSync(liquibase) ? 'not installed' : output('java', ['-version']) ? undefined : 'no java on PATH'),
      version: () => `Liquibase ${packageVersion(peers, 'liquibase')} on ${output('java', ['-version'])}`,
      command: (database, db) => ({
        cmd: liquibase,
        args: ['--show-banner=false', '--search-path=liquibase', '--changelog-file=changelog.xml',
          database.name === 'PostgreSQL' ? `--url=jdbc:postgresql://127.0.0.1:5432/${db}` : `--url=jdbc:mariadb://127.0.0.1:3306/${db}?allowMultiQueries=true`,
          `--username=${database.name === 'PostgreSQL' ? 'postgres' : 'root'}`, 'update'],
      }),
    },
  ];
}

/**
 * psql applying the flyway/ files with the statements godwit sends around each one, grouped into
 * godwit's texts with `\;` (see roundTrips): the previous migration's history row and COMMIT with
 * BEGIN, the advisory lock and the look for newer history rows; then the guard and the script (psql's
 * own statement by statement). Flyway's model costs the server this much whatever the client: the row
 * sets what godwit's own overhead is measured from. Written afresh each time, so that it follows
 * roundTrips.
 */
function historyScript(dir) {
  const file = join(dir, 'psql-history', 'apply.sql');
  const lines = ['\\set ON_ERROR_STOP on', ...HISTORY_DDL.map((statement) => `${statement};`)];
  for (const trip of roundTrips(versionedFiles(join(dir, 'flyway')))) {
    lines.push(...(Array.isArray(trip) ? [`${trip.join(' \\; ')};`] : [`${trip.guard};`, `\\ir ../flyway/${trip.file.name}`]));
  }
  mkdirSync(join(dir, 'psql-history'), { recursive: true });
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/**
 * The mariadb client applying the flyway/ files with the statements godwit sends around them
 * (MYSQL_LOCK, mysqlStatements), each its own round trip: the row that prices Flyway's model on
 * MariaDB. A path relative to the workload folder, as the client runs there.
 */
function mysqlHistoryScript(dir) {
  const lines = [...MYSQL_HISTORY_DDL.map((statement) => `${statement};`), 'SET autocommit = 0;', `${MYSQL_LOCK[0]};`];
  versionedFiles(join(dir, 'flyway')).forEach((file, i) => {
    for (const statement of mysqlStatements(i + 1, file)) lines.push(statement === null ? `source flyway/${file.name}` : `${statement};`);
  });
  lines.push(`${MYSQL_LOCK[1]};`);
  mkdirSync(join(dir, 'mariadb-history'), { recursive: true });
  writeFileSync(join(dir, 'mariadb-history', 'apply.sql'), `${lines.join('\n')}\n`);
  return join('mariadb-history', 'apply.sql');
}
