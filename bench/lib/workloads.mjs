// Writes workloads with the shared generator, once: a folder whose manifest matches is reused.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The generator's path: --gen=PATH, then GODWIT_BENCH_GEN, then ../shared/bench/gen.py beside the repo. */
export function findGenerator(repo, option) {
  const path = resolve(repo, option ?? process.env.GODWIT_BENCH_GEN ?? '../shared/bench/gen.py');
  if (!existsSync(path)) {
    throw new Error(`The workload generator ${path} does not exist. Pass --gen=PATH or set GODWIT_BENCH_GEN `
      + 'to the shared bench/gen.py (see bench/README.md).');
  }
  return path;
}

/**
 * `spec` is { workload, dialect, count?, rows?, batch? } as gen.py takes them; returns the folder.
 * A cached folder is reused only when its manifest says it was made with the same arguments.
 */
export function generate(gen, workDir, spec) {
  const name = [spec.workload, spec.dialect, spec.count ?? '', spec.rows ?? '', spec.batch ?? ''].join('-');
  const dir = join(workDir, 'workloads', name);
  const manifest = join(dir, 'manifest.json');
  if (existsSync(manifest) && matches(JSON.parse(readFileSync(manifest, 'utf8')), spec)) return dir;
  const args = [gen, spec.workload, dir, '--dialect', spec.dialect];
  if (spec.count) args.push('--count', String(spec.count));
  if (spec.rows) args.push('--rows', String(spec.rows));
  if (spec.batch) args.push('--batch', String(spec.batch));
  process.stderr.write(`generating ${name} …\n`);
  const result = spawnSync('python3', args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`gen.py ${args.slice(1).join(' ')} failed: ${result.stderr.trim()}`);
  return dir;
}

function matches(manifest, spec) {
  return manifest.workload === spec.workload && manifest.dialect === spec.dialect
    && (spec.count === undefined || manifest.migrations === spec.count)
    && (spec.rows === undefined || manifest.rows === spec.rows)
    && (spec.batch === undefined || manifest.batch === spec.batch);
}

export function manifestOf(dir) {
  return JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
}
