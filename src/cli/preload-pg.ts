import { parseDatabaseUrl } from '../config/jdbc-url.js';

/**
 * pg checks at load whether it runs on Cloudflare by building a fetch Response, and on Node 20 the first
 * touch of the global Response loads undici: about 20 ms of a start that needs none of it. Without
 * Response, pg's check concludes "not Cloudflare", as it would anyway. Only the CLI does this, before any
 * command runs, when nothing else in the process can be using fetch; the library leaves an application's
 * globals alone, so there pg loads as it is.
 */
export async function preloadPg(url: string | undefined): Promise<void> {
  if (url === undefined || !targetsPostgresServer(url)) return;
  const descriptor = Object.getOwnPropertyDescriptor(globalThis, 'Response');
  if (!descriptor?.configurable) return;
  Object.defineProperty(globalThis, 'Response', { value: undefined, configurable: true, writable: true });
  try {
    await import('pg');
  } finally {
    Object.defineProperty(globalThis, 'Response', descriptor);
  }
}

function targetsPostgresServer(url: string): boolean {
  try {
    return parseDatabaseUrl(url).dialect === 'postgresql';
  } catch {
    // A bad URL is reported, naming the setting, when the command connects.
    return false;
  }
}
