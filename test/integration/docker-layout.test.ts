/**
 * The Docker image, without a Docker engine: the Dockerfile is linted for the hadolint rules that can be
 * checked offline, and the image's layout is rebuilt in a temporary folder from what the Dockerfile
 * says (the package files `npm pack` ships, installed where the image installs them, the entrypoint
 * link, the /flyway working directory with sql/ and conf/). godwit started through that entrypoint, in
 * that working directory, with no -locations and no -configFiles, must find conf/flyway.toml (or
 * conf/flyway.conf) and the migrations in sql/, as Flyway's image does.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.js';
import { createTestDatabase, requirePostgres, type TestDatabase } from '../helpers/postgres.js';

const DOCKERFILE = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
const DOCKERIGNORE = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8');

interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

/** Dockerfile instructions, with `\` continuations joined and comments dropped. */
function instructions(text: string): Instruction[] {
  const result: Instruction[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i]!;
    if (/^\s*(#|$)/.test(line)) continue;
    while (line.endsWith('\\') && i + 1 < lines.length) line = `${line.slice(0, -1)} ${lines[++i]!.trim()}`;
    const match = /^\s*(\w+)\s+(.*)$/.exec(line);
    if (match) result.push({ keyword: match[1]!.toUpperCase(), args: match[2]!.trim(), line: start + 1 });
  }
  return result;
}

const isJsonArray = (args: string) => {
  try {
    const value: unknown = JSON.parse(args);
    return Array.isArray(value) && value.every((v) => typeof v === 'string');
  } catch {
    return false;
  }
};

/**
 * The hadolint rules that need no Docker: DL3006/DL3007 (tagged, pinned, not latest), DL3000 (absolute
 * WORKDIR), DL3002 (last USER not root), DL3003 (no cd), DL3004 (no sudo), DL3005/DL3017 (no upgrade),
 * DL3019 (apk --no-cache), DL3020 (COPY, not ADD), DL3022 (COPY --from a named stage), DL3025 (exec-form
 * ENTRYPOINT and CMD), DL3059 (no consecutive RUN), and `npm ci` rather than `npm install`.
 */
function lintDockerfile(text: string): string[] {
  const problems: string[] = [];
  const all = instructions(text);
  const stages: string[] = [];
  all.forEach((ins, index) => {
    const at = `line ${ins.line}`;
    const { keyword, args } = ins;
    if (keyword === 'FROM') {
      const [image = '', , alias] = args.split(/\s+/).filter((p) => !p.startsWith('--'));
      if (!stages.includes(image)) {
        const tag = image.includes('@') ? 'digest' : image.split(':')[1];
        if (tag === undefined) problems.push(`${at}: DL3006 base image ${image} has no tag`);
        else if (tag === 'latest') problems.push(`${at}: DL3007 base image ${image} uses latest`);
        else if (tag !== 'digest' && !/^\d+\.\d+\.\d+/.test(tag)) problems.push(`${at}: base image ${image} is not pinned to a full version`);
      }
      if (alias) stages.push(alias);
    }
    if (keyword === 'WORKDIR' && !args.startsWith('/')) problems.push(`${at}: DL3000 WORKDIR ${args} is not absolute`);
    if (keyword === 'ADD') problems.push(`${at}: DL3020 use COPY instead of ADD`);
    if (keyword === 'COPY') {
      const from = /--from=(\S+)/.exec(args)?.[1];
      if (from !== undefined && !stages.includes(from)) problems.push(`${at}: DL3022 COPY --from=${from} names no earlier stage`);
    }
    if ((keyword === 'ENTRYPOINT' || keyword === 'CMD') && !isJsonArray(args)) problems.push(`${at}: DL3025 ${keyword} is not in exec form`);
    if (keyword === 'RUN') {
      if (/(^|&&|;)\s*cd\s/.test(args)) problems.push(`${at}: DL3003 use WORKDIR instead of cd`);
      if (/\bsudo\b/.test(args)) problems.push(`${at}: DL3004 do not use sudo`);
      if (/\b(apt-get|apt|apk|yum|dnf)\s+(-\S+\s+)*(upgrade|dist-upgrade)\b/.test(args)) problems.push(`${at}: DL3005 do not upgrade the base image's packages`);
      if (/\bapk\s+add\b/.test(args) && !/--no-cache/.test(args)) problems.push(`${at}: DL3019 apk add without --no-cache`);
      if (/\bnpm\s+(install|i)\b/.test(args)) problems.push(`${at}: use npm ci, not npm install`);
      if (all[index - 1]?.keyword === 'RUN') problems.push(`${at}: DL3059 consecutive RUN instructions`);
    }
  });
  const users = all.filter((i) => i.keyword === 'USER');
  const lastUser = users.at(-1)?.args.split(':')[0];
  if (lastUser === undefined || lastUser === 'root' || lastUser === '0') problems.push('DL3002 the image must end with a non-root USER');
  return problems;
}

/** The final stage's instructions: what the running image is. */
function finalStage(text: string): Instruction[] {
  const all = instructions(text);
  const lastFrom = all.map((i) => i.keyword).lastIndexOf('FROM');
  return all.slice(lastFrom);
}

describe('the Dockerfile', () => {
  it('passes the offline hadolint rules', () => {
    expect(lintDockerfile(DOCKERFILE)).toEqual([]);
  });

  it('the lint finds each problem in a Dockerfile that has them all', () => {
    const bad = [
      'FROM node AS build',
      'WORKDIR build',
      'ADD . .',
      'RUN cd src && npm install',
      'RUN apt-get update && apt-get upgrade -y && sudo true',
      'FROM node:latest',
      'COPY --from=builder /x /x',
      'RUN apk add curl',
      'ENTRYPOINT godwit',
      'FROM node:20-alpine',
      'USER root',
    ].join('\n');
    expect(lintDockerfile(bad)).toEqual([
      'line 1: DL3006 base image node has no tag',
      'line 2: DL3000 WORKDIR build is not absolute',
      'line 3: DL3020 use COPY instead of ADD',
      'line 4: DL3003 use WORKDIR instead of cd',
      'line 4: use npm ci, not npm install',
      'line 5: DL3004 do not use sudo',
      'line 5: DL3005 do not upgrade the base image\'s packages',
      'line 5: DL3059 consecutive RUN instructions',
      'line 6: DL3007 base image node:latest uses latest',
      'line 7: DL3022 COPY --from=builder names no earlier stage',
      'line 8: DL3019 apk add without --no-cache',
      'line 9: DL3025 ENTRYPOINT is not in exec form',
      'line 10: base image node:20-alpine is not pinned to a full version',
      'DL3002 the image must end with a non-root USER',
    ]);
  });

  it('installs the packed app with npm ci --omit=dev and runs godwit in /flyway, as a numeric non-root user', () => {
    const stage = finalStage(DOCKERFILE);
    const run = stage.filter((i) => i.keyword === 'RUN').map((i) => i.args).join(' && ');
    expect(run).toMatch(/\bnpm ci --omit=dev\b/);
    expect(run).toContain('ln -s /opt/godwit/bin/godwit.js /usr/local/bin/godwit');
    expect(run).toMatch(/mkdir -p \/flyway\/sql \/flyway\/conf/);
    expect(stage.filter((i) => i.keyword === 'WORKDIR').at(-1)?.args).toBe('/flyway');
    expect(stage.filter((i) => i.keyword === 'USER').at(-1)?.args).toMatch(/^[1-9]\d*(:[1-9]\d*)?$/);
    expect(JSON.parse(stage.find((i) => i.keyword === 'ENTRYPOINT')!.args)).toEqual(['godwit']);
  });

  it('.dockerignore keeps local packages, build output and databases out, but nothing the build copies', () => {
    const patterns = DOCKERIGNORE.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
    for (const excluded of ['node_modules', 'dist', '.git', '**/.godwit']) expect(patterns).toContain(excluded);
    const copied = instructions(DOCKERFILE)
      .filter((i) => i.keyword === 'COPY' && !i.args.includes('--from='))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    expect(copied).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'src', 'bin']));
    for (const source of copied) expect(patterns, `${source} is copied but ignored`).not.toContain(source);
  });
});

const server = await requirePostgres();

/** What `npm pack` would ship: the files the image's /opt/godwit holds. */
function packedFiles(): string[] {
  const listed = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (listed.status !== 0) throw new Error(`npm pack --dry-run failed: ${listed.stderr}`);
  const [pack] = JSON.parse(listed.stdout) as Array<{ files: Array<{ path: string }> }>;
  return pack!.files.map((f) => f.path);
}

describe.skipIf(server === null)('the image layout, rebuilt in a folder, against PostgreSQL', () => {
  let root: string;
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase(server!, 'docker_layout');
    root = mkdtempSync(join(tmpdir(), 'godwit-image-'));
    const app = join(root, 'opt/godwit');
    const files = packedFiles();
    for (const file of files) {
      mkdirSync(dirname(join(app, file)), { recursive: true });
      copyFileSync(join(REPO_ROOT, file), join(app, file));
    }
    // npm ci --omit=dev would install these from the lockfile; the repository's are a superset.
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(app, 'node_modules'), 'dir');
    chmodSync(join(app, 'bin/godwit.js'), 0o755);
    mkdirSync(join(root, 'usr/local/bin'), { recursive: true });
    symlinkSync(join(app, 'bin/godwit.js'), join(root, 'usr/local/bin/godwit'));
    mkdirSync(join(root, 'home'), { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await db?.drop();
    // rmSync removes the node_modules symlink, never the repository's packages behind it.
    if (root) rmSync(root, { recursive: true, force: true });
  });

  /** A /flyway working directory: the user's sql/ and conf/ mounted into it. */
  function workingDirectory(name: string, conf: Record<string, string>, sql: Record<string, string>): string {
    const dir = join(root, name, 'flyway');
    for (const [sub, files] of [['conf', conf], ['sql', sql]] as const) {
      mkdirSync(join(dir, sub), { recursive: true });
      for (const [file, content] of Object.entries(files)) writeFileSync(join(dir, sub, file), content);
    }
    return dir;
  }

  /** `docker run image <args>`: the entrypoint, in /flyway, with the container's environment. */
  function dockerRun(cwd: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const base: NodeJS.ProcessEnv = { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, HOME: join(root, 'home'), NODE_ENV: 'production', ...env };
    return new Promise((resolve, reject) => {
      const child = spawn(join(root, 'usr/local/bin/godwit'), args, { cwd, env: base, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  }

  const SQL = {
    'V1__Create_people.sql': 'CREATE TABLE people (id int PRIMARY KEY, name text);\n',
    'V2__Seed.sql': "INSERT INTO people VALUES (1, '${greeting}');\n",
  };

  it('conf/flyway.toml and sql/ are found with no -configFiles or -locations; credentials come from FLYWAY_*', async () => {
    const toml = `[environments.default]\nurl = "${db.jdbcUrl}"\nschemas = ["docker_toml"]\n\n[flyway]\nenvironment = "default"\n\n[flyway.placeholders]\ngreeting = "hello"\n`;
    const cwd = workingDirectory('toml', { 'flyway.toml': toml }, SQL);
    const env: Record<string, string> = { FLYWAY_USER: db.user };
    if (db.password !== undefined) env.FLYWAY_PASSWORD = db.password;

    const result = await dockerRun(cwd, ['migrate', 'info'], env);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toContain('Successfully applied 2 migrations to schema "docker_toml", now at version v2');
    expect(result.stdout).toMatch(/^\| Versioned\s+\| 2\s+\| Seed\s+\| SQL\s+\| .+ \| Success\s+\|/m);
    const { rows } = await db.client.query<{ name: string }>('SELECT name FROM docker_toml.people');
    expect(rows.map((r) => r.name)).toEqual(['hello']);
  });

  it('a legacy conf/flyway.conf works the same way', async () => {
    const conf = `flyway.url=${db.jdbcUrl}\nflyway.user=${db.user}\nflyway.schemas=docker_conf\nflyway.placeholders.greeting=bonjour\n`;
    const cwd = workingDirectory('conf', { 'flyway.conf': conf }, SQL);
    const result = await dockerRun(cwd, ['migrate'], db.password === undefined ? {} : { FLYWAY_PASSWORD: db.password });
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toContain('Successfully applied 2 migrations to schema "docker_conf"');
    const { rows } = await db.client.query<{ name: string }>('SELECT name FROM docker_conf.people');
    expect(rows.map((r) => r.name)).toEqual(['bonjour']);
  });

  it('the default command (CMD ["-?"]) prints the help and exits 0', async () => {
    const cmd = JSON.parse(finalStage(DOCKERFILE).find((i) => i.keyword === 'CMD')!.args) as string[];
    const result = await dockerRun(join(root, 'toml', 'flyway'), cmd, {});
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: godwit /m);
  });
});
