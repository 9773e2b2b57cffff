// Runs one command under /usr/bin/time and returns wall time, CPU and peak RSS.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Wall time is taken here with hrtime (1 ms resolution; /usr/bin/time's %e has 10 ms), from spawn to
 * exit, so it includes /usr/bin/time's own fork and exec, the same for every tool. %U and %S count the
 * command and every child it waited for; %M is the peak RSS of the largest single process among them,
 * not a sum: see bench/README.md for why that is the whole tree for every command we time.
 */
export async function timed({ cmd, args, cwd, env, stdinFile, logFile, timeoutSec }) {
  const timeFile = `${logFile}.time`;
  const log = openSync(logFile, 'w');
  const stdin = stdinFile ? openSync(resolve(cwd, stdinFile), 'r') : 'ignore';
  const started = process.hrtime.bigint();
  const child = spawn('/usr/bin/time', ['-f', '%U %S %M', '-o', timeFile, cmd, ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: [stdin, log, log],
    // Its own process group, so a timeout ends the tool and anything it started, and nothing else.
    detached: true,
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    process.kill(-child.pid, 'SIGKILL');
  }, timeoutSec * 1000);
  const code = await new Promise((resolve) => {
    child.on('exit', (exitCode, signal) => resolve(exitCode ?? signal));
    child.on('error', () => resolve('spawn error'));
  });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  clearTimeout(timer);
  closeSync(log);
  if (typeof stdin === 'number') closeSync(stdin);
  if (timedOut) return { ok: false, reason: `timed out after ${timeoutSec} s` };
  const usage = parseTime(readTimeFile(timeFile));
  if (code !== 0) return { ok: false, reason: `exit ${code}: ${failureLine(logFile)}`, wallMs, ...usage };
  return { ok: true, wallMs, ...usage };
}

function readTimeFile(path) {
  try {
    return readFileSync(path, 'utf8');
  } finally {
    rmSync(path, { force: true });
  }
}

/** The last line holds the format; a non-zero exit adds a "Command exited with…" line before it. */
function parseTime(text) {
  const last = text.trim().split('\n').pop() ?? '';
  const [user, sys, rss] = last.split(' ').map(Number);
  return { cpuMs: (user + sys) * 1000, rssKb: rss };
}

// Terminal colour codes, which pg-flyway prints even into a file.
const COLOUR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

/** The line of a tool's output most likely to say why it failed, for the results table. */
export function failureLine(logFile) {
  const text = tail(logFile, 64 * 1024);
  const lines = text.split('\n').map((l) => l.replace(COLOUR, '').trim()).filter(Boolean);
  // Most specific first: Liquibase's summary of the cause, then a line that starts with an error.
  const hit = lines.find((l) => /Primary Reason:/.test(l))
    ?? lines.find((l) => /^(ERROR|Error|error|FATAL|fatal)\b/.test(l))
    ?? lines.find((l) => /error|fail|exception|invalid|denied|refus/i.test(l))
    ?? lines.at(-1) ?? '(no output)';
  const short = hit.replace(/You have an error in your SQL syntax; check the manual that corresponds to your \w+ server version for the right syntax to use/, 'SQL syntax error')
    .replace(/\s+/g, ' ');
  return short.length > 160 ? `${short.slice(0, 157)}…` : short;
}

function tail(path, bytes) {
  const size = statSync(path).size;
  const buffer = Buffer.alloc(Math.min(bytes, size));
  const fd = openSync(path, 'r');
  try {
    readSync(fd, buffer, 0, buffer.length, size - buffer.length);
  } finally {
    closeSync(fd);
  }
  return buffer.toString('utf8');
}

export const logPath = (dir, name) => join(dir, `${name.replace(/[^a-zA-Z0-9._-]+/g, '_')}.log`);
