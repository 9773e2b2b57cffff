/**
 * The callback project that the callback suites of both database families run: one script per event
 * that migrate, validate, info and undo fire (afterMigrate three times, to show the order by
 * description), and the order Flyway fires them in.
 */

/** Two migrations, an undo of the second, and the callbacks; `record(event)` is the dialect's SQL that logs `event`. */
export function everyEventProject(record: (event: string) => string): Record<string, string> {
  return {
    'V1__One.sql': 'CREATE TABLE one (id INT);\n',
    'V2__Two.sql': 'CREATE TABLE two (id INT);\n',
    'U2__Two.sql': 'DROP TABLE two;\n',
    'beforeValidate.sql': record('beforeValidate'),
    'afterValidate.sql': record('afterValidate'),
    'beforeMigrate.sql': record('beforeMigrate'),
    'beforeEachMigrate.sql': record('beforeEachMigrate'),
    'afterEachMigrate.sql': record('afterEachMigrate'),
    'afterMigrate__b_second.sql': record('afterMigrate b'),
    'afterMigrate__a_first.sql': record('afterMigrate a'),
    'afterMigrate.sql': record('afterMigrate'),
    'afterMigrateApplied.sql': record('afterMigrateApplied'),
    'beforeInfo.sql': record('beforeInfo'),
    'afterInfo.sql': record('afterInfo'),
    'beforeUndo.sql': record('beforeUndo'),
    'beforeEachUndo.sql': record('beforeEachUndo'),
    'afterEachUndo.sql': record('afterEachUndo'),
    'afterUndo.sql': record('afterUndo'),
  };
}

/** A first migrate of everyEventProject: validation, then each migration between its two events. */
export const FIRST_MIGRATE_EVENTS = [
  'beforeValidate', 'afterValidate', 'beforeMigrate',
  'beforeEachMigrate', 'afterEachMigrate', 'beforeEachMigrate', 'afterEachMigrate',
  'afterMigrateApplied', 'afterMigrate', 'afterMigrate a', 'afterMigrate b',
];

/** `info undo` after it: info's own events, then undo's, which validates first. */
export const INFO_THEN_UNDO_EVENTS = ['beforeInfo', 'afterInfo', 'beforeValidate', 'afterValidate', 'beforeUndo', 'beforeEachUndo', 'afterEachUndo', 'afterUndo'];
