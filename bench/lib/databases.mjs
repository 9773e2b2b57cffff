// The two servers, driven through their own command-line clients so the harness needs no driver.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

function run(cmd, args, input) {
  const result = spawnSync(cmd, args, { input, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (result.error) throw new Error(`${cmd} could not start: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${result.stderr.trim()}`);
  return result.stdout.trim();
}

const PG = ['-X', '-q', '-A', '-t', '-h', '127.0.0.1', '-p', '5432', '-U', 'postgres', '-v', 'ON_ERROR_STOP=1'];
const MY = ['-h', '127.0.0.1', '-P', '3306', '-u', 'root', '-N', '-B'];

export const databases = {
  pg: {
    name: 'PostgreSQL',
    workloadDialect: 'pg',
    // Names come from the harness itself ([a-z0-9_]), never from outside input.
    create(db) {
      run('psql', [...PG, '-d', 'postgres', '-c', `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`, '-c', `CREATE DATABASE ${db}`]);
    },
    drop(db) {
      run('psql', [...PG, '-d', 'postgres', '-c', `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`]);
    },
    check(db, checkFile) {
      return run('psql', [...PG, '-d', db, '-f', checkFile]);
    },
    serverVersion() {
      return run('psql', [...PG, '-d', 'postgres', '-c', 'SHOW server_version']);
    },
    jdbcUrl: (db) => `jdbc:postgresql://127.0.0.1:5432/${db}?user=postgres`,
    url: (db) => `postgres://postgres@127.0.0.1:5432/${db}`,
  },
  mysql: {
    name: 'MariaDB',
    workloadDialect: 'mysql',
    create(db) {
      run('mariadb', [...MY, '-e', `DROP DATABASE IF EXISTS ${db}; CREATE DATABASE ${db}`]);
    },
    drop(db) {
      run('mariadb', [...MY, '-e', `DROP DATABASE IF EXISTS ${db}`]);
    },
    check(db, checkFile) {
      return run('mariadb', [...MY, db], readFileSync(checkFile, 'utf8'));
    },
    serverVersion() {
      return run('mariadb', [...MY, '-e', 'SELECT VERSION()']);
    },
    jdbcUrl: (db) => `jdbc:mariadb://127.0.0.1:3306/${db}?user=root`,
    url: (db) => `mysql://root@127.0.0.1:3306/${db}`,
  },
};

/** check.sql prints one line starting with PASS or FAIL; anything else (an error) is a failure too. */
export function verify(database, db, checkFile) {
  try {
    const line = database.check(db, checkFile).split('\n').pop() ?? '';
    return line.startsWith('PASS') ? { ok: true } : { ok: false, reason: `check: ${line}` };
  } catch (error) {
    return { ok: false, reason: `check: ${error.message.split('\n')[0]}` };
  }
}
