// What Flyway's model asks of the database around each migration, as godwit sends it: shared by the
// "client with godwit's statements" rows (tools.mjs) and the client-floor loops (client-floor.mjs).
import { readdirSync } from 'node:fs';

/** Flyway's lock key for "public"."flyway_schema_history", as godwit takes it. */
export const LOCK_ID = 77433833903597;

export const HISTORY = '"public"."flyway_schema_history"';

/** Flyway's history table DDL, one statement an entry. */
export const HISTORY_DDL = [
  `CREATE TABLE ${HISTORY} ("installed_rank" INT NOT NULL, "version" VARCHAR(50), "description" VARCHAR(200) NOT NULL, "type" VARCHAR(20) NOT NULL, "script" VARCHAR(1000) NOT NULL, "checksum" INTEGER, "installed_by" VARCHAR(100) NOT NULL, "installed_on" TIMESTAMP NOT NULL DEFAULT now(), "execution_time" INTEGER NOT NULL, "success" BOOLEAN NOT NULL)`,
  `ALTER TABLE ${HISTORY} ADD CONSTRAINT "flyway_schema_history_pk" PRIMARY KEY ("installed_rank")`,
  `CREATE INDEX "flyway_schema_history_s_idx" ON ${HISTORY} ("success")`,
];

/** The versioned migrations of a flyway/ folder gen.py wrote, by version. */
export function versionedFiles(dir) {
  return readdirSync(dir)
    .map((name) => ({ name, version: /^V(\d+)__.*\.sql$/.exec(name)?.[1] }))
    .filter((f) => f.version !== undefined)
    .sort((a, b) => Number(a.version) - Number(b.version));
}

/** True while no history row ranks above `rank`. */
function noRowAbove(rank) {
  return `NOT EXISTS (SELECT 1 FROM ${HISTORY} WHERE "installed_rank" > ${rank})`;
}

/** BEGIN with the lock, its outcome kept for the guard, and a look for rows above `rank`. */
export function lockAndLook(rank) {
  return ['BEGIN', `SELECT set_config('godwit.locked', pg_try_advisory_xact_lock(${LOCK_ID})::text, true)`, `SELECT ${noRowAbove(rank)}`];
}

/**
 * The guard that goes ahead of a migration's script: fails unless locked and nothing above `rank`, and
 * notes when the script starts, for the row's execution time.
 */
export function guard(rank) {
  return `SELECT 1 / (current_setting('godwit.locked', true) IS NOT DISTINCT FROM 'true' AND ${noRowAbove(rank)})::int, set_config('godwit.started', extract(epoch FROM clock_timestamp())::text, true)`;
}

/**
 * The history row of migration `rank`, its execution time measured by the server from the guard, with
 * the COMMIT. Values are gen.py's names and numbers.
 */
export function rowAndCommit(rank, file) {
  const elapsed = "round((extract(epoch FROM clock_timestamp()) - current_setting('godwit.started')::numeric) * 1000)::int";
  return [
    `INSERT INTO ${HISTORY} ("installed_rank", "version", "description", "type", "script", "checksum", "installed_by", "execution_time", "success") VALUES (${rank}, '${file.version}', 'd', 'SQL', '${file.name}', 0, current_user, ${elapsed}, true) RETURNING "execution_time"`,
    'COMMIT',
  ];
}

/**
 * godwit's texts for `files`, in order: an array of statements sent as one text, or a file to send as
 * it is behind its guard. The history row and COMMIT of each migration travel with the next one's
 * BEGIN, lock and look; the last ones go alone. godwit sends each file's text without waiting for the
 * one before it, nor the next migration's texts for the file's answer, so the server need not wait for
 * godwit between migrations; psql waits for each.
 */
export function roundTrips(files) {
  const trips = [];
  let previous = [];
  files.forEach((file, i) => {
    trips.push([...previous, ...lockAndLook(i)], { file, guard: guard(i) });
    previous = rowAndCommit(i + 1, file);
  });
  if (previous.length > 0) trips.push(previous);
  return trips;
}

/** Flyway's history table on MariaDB, in the current database, as godwit creates it. */
export const MYSQL_HISTORY_DDL = [
  'CREATE TABLE `flyway_schema_history` (`installed_rank` INT NOT NULL, `version` VARCHAR(50), `description` VARCHAR(200) NOT NULL, `type` VARCHAR(20) NOT NULL, `script` VARCHAR(1000) NOT NULL, `checksum` INT, `installed_by` VARCHAR(100) NOT NULL, `installed_on` TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, `execution_time` INT NOT NULL, `success` BOOL NOT NULL, CONSTRAINT PRIMARY KEY (`installed_rank`))',
  'CREATE INDEX `flyway_schema_history_s_idx` ON `flyway_schema_history` (`success`)',
];

/** The named lock godwit holds on MariaDB from the first migration to the last. */
export const MYSQL_LOCK = ["SELECT GET_LOCK('Flyway--bench', 0)", "SELECT RELEASE_LOCK('Flyway--bench')"];

/**
 * What godwit sends MariaDB around migration `rank` (1-based), in its order: the guard that fails when
 * the history has rows above the last one godwit knows, the script (where `null` stands), then the row,
 * the COMMIT and autocommit off again. godwit sends the guard with the script, and the row, COMMIT and
 * SET ahead of the next migration's guard, as one text each: one round trip a migration. The lock
 * (MYSQL_LOCK) is taken before the first and released after the last; autocommit is turned off once.
 */
export function mysqlStatements(rank, file) {
  return [
    `SET @godwit_history_unchanged = (SELECT 1 UNION ALL SELECT 1 FROM \`flyway_schema_history\` WHERE \`installed_rank\` > ${rank - 1})`,
    null,
    `INSERT INTO \`flyway_schema_history\` (\`installed_rank\`, \`version\`, \`description\`, \`type\`, \`script\`, \`checksum\`, \`installed_by\`, \`execution_time\`, \`success\`) VALUES (${rank}, '${file.version}', 'd', 'SQL', '${file.name}', 0, CURRENT_USER(), 1, 1)`,
    'COMMIT',
    'SET autocommit = 0',
  ];
}
