/**
 * The README's quickstart on a fresh copy of the project (issue 5): "on a fresh clone, `npm ci && npm
 * run demo` is all it takes", and a second `npm run demo` finds the schema up to date.
 *
 * The copy holds what a clone (plus the work in progress of this tree) holds: the files git tracks and
 * the untracked ones it does not ignore, so no `dist/` and no `fixtures/shop/.godwit/`. Its
 * `node_modules` is a symlink to this repository's, so the test does not download packages again;
 * `npm ci` itself is run by CI (`.ci/run`) on every run. What `npm ci` adds beyond the packages is its
 * `prepare` script, `npm run build`, which the test runs in the copy.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.js';
import { infoStates, tempDirectory } from '../helpers/pglite.js';

const copy = tempDirectory('quickstart');
const cacheDir = tempDirectory('quickstart-cache');
const DATA_DIR = 'fixtures/shop/.godwit/shop';
const README = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

/** The shop's migrations, as `info` lists them once all are applied. */
const SHOP_APPLIED: Array<[string, string]> = [
  ['1', 'Success'],
  ['1.1', 'Success'],
  ['2', 'Success'],
  ['3', 'Success'],
  ['4', 'Success'],
  ['Reporting views', 'Success'],
];

interface NpmResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npm run <script>` in the copy, as a user runs it; FLYWAY_* of the developer's shell stay out. */
function npmRun(script: string): Promise<NpmResult> {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('FLYWAY_')) env[key] = value;
  env.GODWIT_CACHE_DIR = cacheDir;
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', script], { cwd: copy, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function expectExit(result: NpmResult, code: number): void {
  expect(result.code, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(code);
}

/** The README's fenced ```sh blocks, each as one trimmed string. */
function shellBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((match) => match[1]!.trim());
}

beforeAll(() => {
  const listed = spawnSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (listed.status !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`);
  for (const file of listed.stdout.split('\0').filter(Boolean)) {
    const from = join(REPO_ROOT, file);
    // A tracked file deleted in the working tree is not part of the project any more.
    const stat = lstatSync(from, { throwIfNoEntry: false });
    if (!stat) continue;
    const to = join(copy, file);
    mkdirSync(dirname(to), { recursive: true });
    if (stat.isSymbolicLink()) symlinkSync(readlinkSync(from), to);
    else copyFileSync(from, to);
  }
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir');
});

afterAll(() => {
  // rmSync removes the node_modules symlink itself, never the repository's packages behind it.
  rmSync(copy, { recursive: true, force: true });
  rmSync(cacheDir, { recursive: true, force: true });
});

describe('the README quickstart on a fresh copy', () => {
  let firstDemo: NpmResult | undefined;
  let secondDemo: NpmResult | undefined;

  it('the copy starts without build output or demo database', () => {
    expect(existsSync(join(copy, 'package.json'))).toBe(true);
    expect(existsSync(join(copy, 'fixtures/shop/flyway.toml'))).toBe(true);
    expect(existsSync(join(copy, 'dist'))).toBe(false);
    expect(existsSync(join(copy, 'fixtures/shop/.godwit'))).toBe(false);
  });

  it('npm run build (the prepare step of npm ci) builds dist/', { timeout: 120_000 }, async () => {
    const build = await npmRun('build');
    expectExit(build, 0);
    expect(existsSync(join(copy, 'dist/index.js'))).toBe(true);
    expect(existsSync(join(copy, 'dist/cli/main.js'))).toBe(true);
  });

  it('npm run demo applies the 6 migrations of the shop on PGlite and prints info', { timeout: 120_000 }, async () => {
    firstDemo = await npmRun('demo');
    expectExit(firstDemo, 0);
    expect(firstDemo.stdout).toContain('Successfully applied 6 migrations');
    expect(infoStates(firstDemo.stdout)).toEqual(SHOP_APPLIED);
    expect(`${firstDemo.stdout}${firstDemo.stderr}`).not.toMatch(/^\s+at /m);
    // The data directory is the copy's own, where fixtures/shop/flyway.toml puts it.
    expect(existsSync(join(copy, DATA_DIR, 'PG_VERSION'))).toBe(true);
  });

  it('a second npm run demo finds the schema up to date', { timeout: 120_000 }, async () => {
    expect(firstDemo?.code, 'the first demo run did not succeed').toBe(0);
    secondDemo = await npmRun('demo');
    expectExit(secondDemo, 0);
    expect(secondDemo.stdout).toContain('Schema "public" is up to date. No migration necessary.');
    expect(secondDemo.stdout).not.toContain('Successfully applied');
    expect(infoStates(secondDemo.stdout)).toEqual(SHOP_APPLIED);
  });

  it('git ignores the demo database, so a clone never carries one', () => {
    const ignored = spawnSync('git', ['check-ignore', '-q', DATA_DIR], { cwd: REPO_ROOT });
    expect(ignored.status, `git check-ignore ${DATA_DIR}`).toBe(0);
    // The example project itself is not ignored: the check above tells paths apart.
    const tracked = spawnSync('git', ['check-ignore', '-q', 'fixtures/shop/flyway.toml'], { cwd: REPO_ROOT });
    expect(tracked.status).toBe(1);
  });

  it('the README gives these commands: first npm ci && npm run demo, later npm test', () => {
    const blocks = shellBlocks(README);
    const demo = blocks.indexOf('npm ci && npm run demo');
    const test = blocks.indexOf('npm test');
    expect(demo, 'README has no ```sh block "npm ci && npm run demo"').toBeGreaterThanOrEqual(0);
    expect(test, 'README has no ```sh block "npm test"').toBeGreaterThan(demo);
    // Setting up is the first command a reader meets.
    expect(blocks[0]).toBe('npm ci && npm run demo');
    expect(JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).scripts).toMatchObject({
      demo: expect.any(String),
      test: expect.any(String),
      prepare: 'npm run build',
    });
  });

  it('the README shows what the demo really prints: its info table and the up-to-date line', () => {
    expect(secondDemo?.code, 'the demo runs did not succeed').toBe(0);
    const upToDate = [...README.matchAll(/Schema "[^"]*" is up to date\. No migration necessary\./g)].map((match) => match[0]);
    expect(upToDate.length, 'README does not quote the second run\'s output').toBeGreaterThan(0);
    for (const line of upToDate) expect(secondDemo!.stdout).toContain(line);
    // The README's info table: its rows by version (or description) and state, as the demo printed them.
    expect(infoStates(README.split('\n').filter((line) => /^\|\s*(Versioned|Repeatable)\s*\|/.test(line)).join('\n'))).toEqual(
      infoStates(firstDemo!.stdout),
    );
  });
});
