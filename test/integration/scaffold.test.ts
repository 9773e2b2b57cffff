/**
 * `godwit init` and `godwit new` (issue 5), run as a user runs them: the built CLI in a fresh temporary
 * project folder, either as the current directory or through `-workingDirectory=`. Both commands must
 * never overwrite a file, and every refusal is a user error: exit 1, `ERROR:`, no stack trace.
 *
 * Only the last tests open a database (PGlite, through the flyway.toml that `init` writes); they share a
 * GODWIT_CACHE_DIR of their own so that they neither read nor fill the developer's cache.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli, type CliResult } from '../helpers/cli.js';
import { expectExit, expectNoStackTrace, expectUserError, infoStates, tempDirectory, writeFiles } from '../helpers/pglite.js';

const cacheDir = tempDirectory('scaffold-cache');
const root = tempDirectory('scaffold');

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(cacheDir, { recursive: true, force: true });
});

let projects = 0;
/** A new, empty project folder, optionally holding files (paths relative to it). */
function project(files: Record<string, string> = {}): string {
  const dir = join(root, `p${++projects}`);
  mkdirSync(dir);
  return writeFiles(dir, files);
}

/** godwit run with `dir` as the current directory. */
function godwitIn(dir: string, args: string[]): Promise<CliResult> {
  return runCli(args, { cwd: dir, timeoutMs: 60_000, env: { GODWIT_CACHE_DIR: cacheDir } });
}

function expectSuccess(result: CliResult): void {
  expectExit(result, 0);
  expectNoStackTrace(result);
}

/** Every file below `dir`, relative to it, sorted; directories themselves are not listed. */
function filesBelow(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

describe('godwit init', () => {
  it('writes a commented flyway.toml on the embedded database and an empty sql/ folder, exit 0', async () => {
    const dir = project();
    const result = await godwitIn(dir, ['init']);
    expectSuccess(result);
    expect(readdirSync(dir).sort()).toEqual(['flyway.toml', 'sql']);
    expect(readdirSync(join(dir, 'sql'))).toEqual([]);

    const toml = readFileSync(join(dir, 'flyway.toml'), 'utf8');
    expect(toml).toMatch(/^url = "pglite:\.godwit\/db"$/m);
    expect(toml).toMatch(/^locations = \["filesystem:sql"\]$/m);
    // "A real server is one line away": present, but commented out.
    expect(toml).toMatch(/^# url = "jdbc:postgresql:\/\/[^"]+"$/m);
    expect(toml.split('\n').filter((line) => line.startsWith('#')).length).toBeGreaterThanOrEqual(3);
  });

  it('writes into -workingDirectory, not the current directory', async () => {
    const here = project();
    const there = project();
    const result = await godwitIn(here, [`-workingDirectory=${there}`, 'init']);
    expectSuccess(result);
    expect(readdirSync(there).sort()).toEqual(['flyway.toml', 'sql']);
    expect(readdirSync(here)).toEqual([]);
  });

  it('refuses to overwrite an existing flyway.toml: exit 1 naming it, the file unchanged', async () => {
    const dir = project();
    expectSuccess(await godwitIn(dir, ['init']));
    // The user's own edits must survive a second init (a rewrite with the template would lose them).
    const edited = `${readFileSync(join(dir, 'flyway.toml'), 'utf8')}\n# my own setting\n`;
    writeFileSync(join(dir, 'flyway.toml'), edited);
    writeFileSync(join(dir, 'sql/V1__Mine.sql'), 'CREATE TABLE mine (id INT);\n');

    const again = await godwitIn(dir, ['init']);
    expectUserError(again);
    expect(again.stderr).toMatch(/^ERROR: .*flyway\.toml/m);
    expect(readFileSync(join(dir, 'flyway.toml'), 'utf8')).toBe(edited);
    expect(filesBelow(dir)).toEqual(['flyway.toml', 'sql/V1__Mine.sql']);
  });
});

describe('godwit new', () => {
  it('creates V1 in an empty project, then V2, each holding a comment line', async () => {
    const dir = project();
    expectSuccess(await godwitIn(dir, ['init']));

    const first = await godwitIn(dir, ['new', 'Create users']);
    expectSuccess(first);
    expect(filesBelow(join(dir, 'sql'))).toEqual(['V1__Create_users.sql']);
    expect(first.stdout).toContain('V1__Create_users.sql');
    const content = readFileSync(join(dir, 'sql/V1__Create_users.sql'), 'utf8');
    expect(content).toMatch(/^--[^\n]*\n?$/);
    expect(content).toContain('Create users');

    expectSuccess(await godwitIn(dir, ['new', 'Add phone']));
    expect(filesBelow(join(dir, 'sql'))).toEqual(['V1__Create_users.sql', 'V2__Add_phone.sql']);
    // new reads the disk only: it must not have opened (and so created) the embedded database.
    expect(existsSync(join(dir, '.godwit'))).toBe(false);
  });

  it('increments the first version part: after V1.5 comes V2', async () => {
    const dir = project({ 'sql/V1.5__x.sql': '' });
    expectSuccess(await godwitIn(dir, ['new', 'Next']));
    expect(filesBelow(join(dir, 'sql'))).toEqual(['V1.5__x.sql', 'V2__Next.sql']);
  });

  it('compares versions as numbers, not text: after V9 and V10 comes V11', async () => {
    const dir = project({ 'sql/V9__x.sql': '', 'sql/V10__y.sql': '' });
    expectSuccess(await godwitIn(dir, ['new', 'Next']));
    expect(filesBelow(join(dir, 'sql'))).toEqual(['V10__y.sql', 'V11__Next.sql', 'V9__x.sql']);
  });

  it('-repeatable creates R__<description>.sql', async () => {
    const dir = project({ 'sql/V3__x.sql': '' });
    expectSuccess(await godwitIn(dir, ['new', 'Views', '-repeatable']));
    expect(filesBelow(join(dir, 'sql'))).toEqual(['R__Views.sql', 'V3__x.sql']);
    expect(readFileSync(join(dir, 'sql/R__Views.sql'), 'utf8')).toMatch(/^--[^\n]*Views[^\n]*\n?$/);
  });

  it('-undo creates U<latest version>__…, the latest by Flyway ordering (1.10 after 1.9)', async () => {
    const dir = project({ 'sql/V1.9__a.sql': '', 'sql/V1.10__b.sql': '', 'sql/R__v.sql': '' });
    expectSuccess(await godwitIn(dir, ['-undo', 'new', 'Undo b']));
    expect(filesBelow(join(dir, 'sql'))).toEqual(['R__v.sql', 'U1.10__Undo_b.sql', 'V1.10__b.sql', 'V1.9__a.sql']);
  });

  it('-undo without any versioned migration is an error, and creates nothing', async () => {
    const dir = project({ 'sql/R__v.sql': '' });
    const result = await godwitIn(dir, ['new', 'Undo', '-undo']);
    expectUserError(result);
    expect(filesBelow(dir)).toEqual(['sql/R__v.sql']);
  });

  it('-undo a second time for the same version is refused: two U files of one version break every later command', async () => {
    const dir = project({ 'sql/V1__a.sql': '' });
    expectSuccess(await godwitIn(dir, ['new', 'Undo a', '-undo']));
    expect(filesBelow(join(dir, 'sql'))).toEqual(['U1__Undo_a.sql', 'V1__a.sql']);

    const second = await godwitIn(dir, ['new', 'Undo a again', '-undo']);
    expectUserError(second);
    expect(filesBelow(join(dir, 'sql'))).toEqual(['U1__Undo_a.sql', 'V1__a.sql']);
  });

  it('-versionStyle=timestamp names the file V<yyyyMMddHHmmss> in local time, whatever is on disk', async () => {
    const dir = project({ 'sql/V1__x.sql': '' });
    const before = Date.now();
    expectSuccess(await godwitIn(dir, ['new', 'Stamp', '-versionStyle=timestamp']));
    const after = Date.now();
    const created = filesBelow(join(dir, 'sql')).filter((name) => name !== 'V1__x.sql');
    expect(created).toHaveLength(1);
    expect(created[0]).toMatch(/^V\d{14}__Stamp\.sql$/);
    const [, y, mo, d, h, mi, s] = /^V(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)/.exec(created[0]!)!.map(Number);
    const stamped = new Date(y!, mo! - 1, d!, h!, mi!, s!).getTime();
    expect(stamped).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(stamped).toBeLessThanOrEqual(after);
  });

  it('-versionStyle=bogus is an error naming the option, and creates nothing', async () => {
    const dir = project();
    const result = await godwitIn(dir, ['new', 'X', '-versionStyle=bogus']);
    expectUserError(result);
    expect(result.stderr).toContain('versionStyle');
    expect(filesBelow(dir)).toEqual([]);
  });

  it('without a description is an error that says what is missing', async () => {
    const dir = project();
    for (const args of [['new'], ['new', '   ']]) {
      const result = await godwitIn(dir, args);
      expectUserError(result);
      expect(result.stderr).toMatch(/^ERROR: .*description/im);
    }
    expect(filesBelow(dir)).toEqual([]);
  });

  it.each(['/', '\\', ':', '*', '?', '"', '<', '>', '|'])('a description holding %s is an error, and creates nothing', async (character) => {
    const dir = project();
    const result = await godwitIn(dir, ['new', `Bad${character}name`]);
    expectUserError(result);
    expect(result.stderr).toMatch(/^ERROR: .*description/im);
    expect(filesBelow(dir)).toEqual([]);
  });

  it('refuses to overwrite an existing file: exit 1 naming it, its content unchanged', async () => {
    const dir = project({ 'sql/V1__a.sql': '', 'sql/R__Views.sql': 'CREATE VIEW mine AS SELECT 1;\n', 'sql/U1__Undo.sql': 'DROP TABLE a;\n' });

    const repeatable = await godwitIn(dir, ['new', 'Views', '-repeatable']);
    expectUserError(repeatable);
    expect(repeatable.stderr).toMatch(/^ERROR: .*R__Views\.sql/m);
    expect(readFileSync(join(dir, 'sql/R__Views.sql'), 'utf8')).toBe('CREATE VIEW mine AS SELECT 1;\n');

    const undo = await godwitIn(dir, ['new', 'Undo', '-undo']);
    expectUserError(undo);
    expect(undo.stderr).toMatch(/^ERROR: .*U1__Undo\.sql/m);
    expect(readFileSync(join(dir, 'sql/U1__Undo.sql'), 'utf8')).toBe('DROP TABLE a;\n');

    expect(filesBelow(dir)).toEqual(['sql/R__Views.sql', 'sql/U1__Undo.sql', 'sql/V1__a.sql']);
  });

  it('writes into the first -locations folder, creating it, and numbers after what that folder holds', async () => {
    const dir = project({ 'sql/V7__elsewhere.sql': '' });
    expectSuccess(await godwitIn(dir, ['-locations=filesystem:db/migration', 'new', 'Here']));
    expect(filesBelow(dir)).toEqual(['db/migration/V1__Here.sql', 'sql/V7__elsewhere.sql']);

    expectSuccess(await godwitIn(dir, ['-locations=filesystem:db/migration', 'new', 'Again']));
    expect(filesBelow(join(dir, 'db/migration'))).toEqual(['V1__Here.sql', 'V2__Again.sql']);
  });

  it('takes the folder from the locations of a flyway.toml, relative to -workingDirectory', async () => {
    const here = project();
    const there = project({ 'flyway.toml': '[flyway]\nlocations = ["filesystem:db/migration"]\n' });
    expectSuccess(await godwitIn(here, [`-workingDirectory=${there}`, 'new', 'Here']));
    expect(filesBelow(there)).toEqual(['db/migration/V1__Here.sql', 'flyway.toml']);
    expect(filesBelow(here)).toEqual([]);
  });

  it('-outputType=json prints one JSON document with operation "new" and the file path', async () => {
    const dir = project();
    const result = await godwitIn(dir, ['-outputType=json', 'new', 'X']);
    expectSuccess(result);
    const json = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(json.operation).toBe('new');
    expect(json.filepath).toBe(join(dir, 'sql/V1__X.sql'));
    expect(existsSync(json.filepath as string)).toBe(true);
  });

  it('-outputType=json reports a refusal as a JSON error, exit 1, no stack trace', async () => {
    const dir = project();
    const result = await godwitIn(dir, ['-outputType=json', 'new']);
    expectExit(result, 1);
    expectNoStackTrace(result);
    const json = JSON.parse(result.stdout) as { error?: { errorCode?: string; message?: string } };
    expect(json.error?.errorCode).toMatch(/^[A-Z_]+$/);
    expect(json.error?.message).toMatch(/description/i);
  });
});

describe('init, new, then migrate on the embedded database', () => {
  it('the generated flyway.toml migrates on PGlite into .godwit/db of the project', async () => {
    const dir = project();
    expectSuccess(await godwitIn(dir, ['init']));
    expectSuccess(await godwitIn(dir, ['new', 'Create users']));
    const file = join(dir, 'sql/V1__Create_users.sql');
    writeFileSync(file, `${readFileSync(file, 'utf8')}CREATE TABLE users (id INT PRIMARY KEY, name TEXT NOT NULL);\n`);

    const result = await godwitIn(dir, ['migrate', 'info']);
    expectSuccess(result);
    expect(result.stdout).toContain('Successfully applied 1 migration to schema "public", now at version v1');
    expect(infoStates(result.stdout)).toEqual([['1', 'Success']]);
    expect(existsSync(join(dir, '.godwit/db/PG_VERSION'))).toBe(true);

    expectSuccess(await godwitIn(dir, ['new', 'Add phone']));
    const second = join(dir, 'sql/V2__Add_phone.sql');
    writeFileSync(second, `${readFileSync(second, 'utf8')}ALTER TABLE users ADD COLUMN phone TEXT;\n`);
    const again = await godwitIn(dir, ['migrate', 'info']);
    expectSuccess(again);
    expect(again.stdout).toContain('Successfully applied 1 migration to schema "public", now at version v2');
    expect(infoStates(again.stdout)).toEqual([
      ['1', 'Success'],
      ['2', 'Success'],
    ]);
  }, 120_000);
});

/** `npx godwit …   # sql/File.sql` lines of the README's "Start a project of your own" block. */
function readmeScaffoldSteps(): Array<{ args: string[]; creates: string | undefined }> {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const section = /^## Start a project of your own\n[\s\S]*?^```sh\n([\s\S]*?)^```$/m.exec(readme);
  expect(section, 'README has no "## Start a project of your own" section with a ```sh block').not.toBeNull();
  return section![1]!
    .split('\n')
    .filter((line) => line.startsWith('npx godwit '))
    .map((line) => {
      const [command, comment = ''] = line.split(/\s#\s/, 2);
      // Words, or double-quoted phrases without their quotes, as the shell passes them.
      const words = [...command!.slice('npx godwit '.length).matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
      return { args: words, creates: /\bsql\/\S+\.sql\b/.exec(comment)?.[0] };
    });
}

describe('the README\'s "Start a project of your own"', () => {
  it('each command creates the file its comment names, and the project migrates', { timeout: 60_000 }, async () => {
    const steps = readmeScaffoldSteps();
    expect(steps.map((step) => step.args[0])).toEqual(expect.arrayContaining(['init', 'new', 'migrate']));
    const dir = project();
    const created: string[] = [];
    for (const step of steps) {
      const result = await godwitIn(dir, step.args);
      expectSuccess(result);
      if (step.creates) created.push(step.creates);
      expect(filesBelow(join(dir, 'sql')).map((name) => `sql/${name}`), `after godwit ${step.args.join(' ')}`).toEqual([...created].sort());
    }
    expect(created.length).toBeGreaterThanOrEqual(4);
  });
});
