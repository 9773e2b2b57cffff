/**
 * connectRetries / connectRetriesInterval (flyway-compat.md §7): 1 + N attempts, waiting 1, 2, 4 … s,
 * each wait capped at the interval, every retry logged with its reason; failures that retrying cannot
 * fix (authentication, unknown database) fail at once. The late database is real: a TCP proxy to the
 * test PostgreSQL that starts listening on its port only after godwit has begun trying.
 *
 * Server-only (the other PostgreSQL suites also run on PGlite, test/helpers/drivers.ts): PGlite is opened
 * in-process, with no port, no authentication and nothing to retry.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/config.js';
import { loadConfig } from '../../src/config/load.js';
import { openDialect } from '../../src/engine/connect.js';
import { silentLogger } from '../../src/engine/logger.js';
import { CancelledError, ConnectionError } from '../../src/errors.js';
import { runCli, REPO_ROOT } from '../helpers/cli.js';
import { startCli } from '../helpers/pglite.js';
import { createTestDatabase, requirePostgres, type TestDatabase } from '../helpers/postgres.js';

const server = await requirePostgres();

/** A local port that nothing listens on (yet). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

function config(settings: Record<string, string>): Config {
  return loadConfig({ settings, env: {}, cwd: REPO_ROOT }).config;
}

describe('the waits between attempts', () => {
  it('are 1, 2, 4 … s, capped at connectRetriesInterval, one per retry, each logged with the reason', async () => {
    const port = await freePort();
    const waits: number[] = [];
    const warnings: string[] = [];
    const log = { ...silentLogger, warn: (m: string) => warnings.push(m) };
    const sleepSpy = async (ms: number) => {
      waits.push(ms);
    };
    const attempt = openDialect(config({ url: `jdbc:postgresql://127.0.0.1:${port}/x`, user: 'postgres', connectRetries: '7', connectRetriesInterval: '10' }), log, { sleep: sleepSpy });
    await expect(attempt).rejects.toBeInstanceOf(ConnectionError);
    expect(waits).toEqual([1000, 2000, 4000, 8000, 10000, 10000, 10000]);
    expect(warnings).toHaveLength(7);
    expect(warnings[0]).toMatch(/^Connection error: Unable to connect to PostgreSQL at 127\.0\.0\.1:\d+\/x: connection refused.*\nRetrying in 1 sec\.\.\.$/s);
    expect(warnings[6]).toMatch(/\nRetrying in 10 sec\.\.\.$/);
  });

  it('without connectRetries there is one attempt and no wait', async () => {
    const port = await freePort();
    const waits: number[] = [];
    const attempt = openDialect(config({ url: `jdbc:postgresql://127.0.0.1:${port}/x`, user: 'postgres' }), silentLogger, { sleep: async (ms) => void waits.push(ms) });
    await expect(attempt).rejects.toBeInstanceOf(ConnectionError);
    expect(waits).toEqual([]);
  });

  it('a cancellation during a wait ends the retries with CANCELLED', async () => {
    const port = await freePort();
    const controller = new AbortController();
    const attempt = openDialect(config({ url: `jdbc:postgresql://127.0.0.1:${port}/x`, user: 'postgres', connectRetries: '5' }), silentLogger, { signal: controller.signal });
    setTimeout(() => controller.abort('SIGTERM received'), 200);
    const started = performance.now();
    const error = await attempt.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledError);
    expect((error as CancelledError).code).toBe('CANCELLED');
    expect(performance.now() - started).toBeLessThan(900);
  });
});

describe.skipIf(server === null)('connect retries against a PostgreSQL that comes up late', () => {
  let db: TestDatabase;
  let proxy: Server | undefined;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    db = await createTestDatabase(server!, 'connect_retry');
  });

  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    if (proxy) await new Promise((resolve) => proxy!.close(resolve));
    proxy = undefined;
  });

  afterAll(async () => {
    await db?.drop();
  });

  /** Starts forwarding `port` to the test server. */
  async function openProxy(port: number): Promise<void> {
    proxy = createServer((client) => {
      const upstream = connect(server!.port, server!.host);
      sockets.push(client, upstream);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => proxy!.listen(port, '127.0.0.1', resolve));
  }

  const url = (port: number) => `-url=jdbc:postgresql://127.0.0.1:${port}/${db.name}`;
  const userArgs = () => db.args.filter((a) => !a.startsWith('-url='));

  it('-connectRetries=5 waits for the port to open, logging each retry, then succeeds', async () => {
    const port = await freePort();
    const run = runCli([url(port), ...userArgs(), '-connectRetries=5', 'info']);
    await sleep(2_000);
    await openProxy(port);
    const result = await run;
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^WARNING: Connection error: Unable to connect to PostgreSQL at 127\.0\.0\.1:\d+\/\w+: connection refused/m);
    expect(result.stdout).toContain('Retrying in 1 sec...');
    expect(result.stdout).toContain('Retrying in 2 sec...');
    expect(result.stdout).not.toContain('Retrying in 4 sec...');
    expect(result.stdout).toContain('Schema version: << Empty Schema >>');
  });

  it('without retries the same late port fails at once', async () => {
    const port = await freePort();
    const started = performance.now();
    const result = await runCli([url(port), ...userArgs(), 'info']);
    expect(result.code).toBe(1);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(result.stderr).toMatch(/^ERROR: Unable to connect to PostgreSQL at .*connection refused/m);
    expect(result.stdout + result.stderr).not.toContain('Retrying');
  });

  it('a user that does not exist fails at once, even with retries', async () => {
    const port = await freePort();
    await openProxy(port);
    const started = performance.now();
    const result = await runCli([url(port), '-user=no_such_user_godwit', '-password=x', '-connectRetries=5', 'info']);
    expect(result.code).toBe(1);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(result.stderr).toMatch(/authentication failed for user "no_such_user_godwit"/);
    expect(result.stdout + result.stderr).not.toContain('Retrying');
  });

  it('SIGTERM during the waits exits 143 at once', async () => {
    const port = await freePort();
    const run = startCli([url(port), ...userArgs(), '-connectRetries=10', 'info']);
    await run.waitForStdout(/Retrying in 2 sec/);
    const signalled = performance.now();
    run.kill('SIGTERM');
    const result = await run.done;
    expect(result.code, result.stdout + result.stderr).toBe(143);
    expect(performance.now() - signalled).toBeLessThan(1_500);
    expect(result.stderr).toContain('Cancelled: SIGTERM received.');
  });
});
