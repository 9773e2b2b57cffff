// What Flyway's model asks of PostgreSQL around each migration, as godwit sends it: shared by the
// "psql with godwit's statements" row (tools.mjs) and the client-floor loops (client-floor.mjs).
import { readdirSync } from 'node:fs';

/** Flyway's lock key for "public"."flyway_schema_history", as godwit takes it. */
export const LOCK_ID = 77433833903597;

export const HISTORY = '"public"."flyway_schema_history"';

export const HISTORY_COLUMNS = '"installed_rank", "version", "description", "type", "script", "checksum", "installed_by", "installed_on", "execution_time", "success"';

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

/** BEGIN with the lock and the read of the rows above `rank`. */
export function lockAndRead(rank) {
  return [`BEGIN`, `SELECT pg_try_advisory_xact_lock(${LOCK_ID})`, `SELECT ${HISTORY_COLUMNS} FROM ${HISTORY} WHERE "installed_rank" > ${rank} ORDER BY "installed_rank"`];
}

/** The history row of migration `rank` with the COMMIT. Values are gen.py's names and numbers. */
export function rowAndCommit(rank, file) {
  return [
    `INSERT INTO ${HISTORY} ("installed_rank", "version", "description", "type", "script", "checksum", "installed_by", "execution_time", "success") VALUES (${rank}, '${file.version}', 'd', 'SQL', '${file.name}', 0, current_user, 1, true)`,
    'COMMIT',
  ];
}

/**
 * godwit's round trips for `files`, in order: an array of statements sent as one text, or a file to
 * send as it is. The history row and COMMIT of each migration travel with the next one's BEGIN, lock and
 * read; the last ones go alone.
 */
export function roundTrips(files) {
  const trips = [];
  let previous = [];
  files.forEach((file, i) => {
    trips.push([...previous, ...lockAndRead(i)], { file });
    previous = rowAndCommit(i + 1, file);
  });
  if (previous.length > 0) trips.push(previous);
  return trips;
}
