// What the numbers were measured on: hardware, load, and the version of every program timed.
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { databases } from './databases.mjs';

function cpuModel() {
  const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('model name'));
  return line ? line.split(':')[1].trim() : cpus()[0]?.model ?? 'unknown';
}

function safe(fn) {
  try {
    return fn() ?? 'unknown';
  } catch (error) {
    return `unavailable (${error.message.split('\n')[0]})`;
  }
}

export function machineInfo(tools, options) {
  const servers = Object.fromEntries(options.dbs.map((key) => [key, safe(() => databases[key].serverVersion())]));
  const versions = {};
  for (const tool of tools) {
    if (!tool.dbs.some((db) => options.dbs.includes(db))) continue;
    versions[tool.tool] = tool.unavailable?.() ? `not run: ${tool.unavailable()}` : safe(tool.version);
  }
  return {
    date: new Date().toISOString(),
    options: { quick: options.quick, only: options.only, dbs: options.dbs, runs: options.runs, rssScale: options.rssScale, sizes: options.rssScale ? options.sizes : undefined },
    cpu: cpuModel(),
    cores: cpus().length,
    ramGb: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    servers,
    versions,
    loadBefore: machineInfo.load(),
  };
}

machineInfo.load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
