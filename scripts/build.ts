/**
 * Builds what production runs: the web app (Vite, into `apps/web/dist`) and the server
 * (esbuild, one ES module `apps/server/dist/server.js` with `packages/protocol` compiled in
 * and every npm dependency left to `node_modules`), so a production node runs plain
 * JavaScript and never loads a TypeScript loader.
 *
 * Each output directory holds a stamp: a SHA-256 over the paths and contents of every file
 * its build reads. With `--if-stale` (what `npm start` uses) a target whose stamp matches
 * its current sources is not rebuilt; content hashes, not mtimes, so a checkout or a copy
 * that touches files without changing them costs nothing.
 *
 * Usage: node --import tsx scripts/build.ts [--if-stale] [web] [server]   (no target: both)
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** The file inside an output directory that records which sources it was built from. */
export const STAMP_FILE = '.build-stamp';

/** One thing to build: what it reads, where it writes, how. */
export interface BuildTarget {
  name: string;
  /** Files and directories (relative to the repo root) whose contents decide the output. */
  inputs: string[];
  /** Output directory; the stamp is written inside it after a successful build. */
  outDir: string;
  build(outDir: string): Promise<void>;
}

/** Unit tests are not part of any build, so editing one never forces a rebuild. */
const IGNORED = /(^|\/)(node_modules|dist)(\/|$)|\.test\.ts$/;

/** Every file under `inputs` (relative to `root`), sorted, skipping tests and build output. */
export function listInputs(root: string, inputs: string[]): string[] {
  const files: string[] = [];
  for (const input of inputs) {
    const abs = join(root, input);
    if (!existsSync(abs)) continue;
    if (statSync(abs).isFile()) {
      files.push(input);
      continue;
    }
    for (const entry of readdirSync(abs, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const rel = relative(root, join(entry.parentPath, entry.name)).split('\\').join('/');
      if (!IGNORED.test(rel)) files.push(rel);
    }
  }
  return [...new Set(files)].sort();
}

/** SHA-256 over each input file's path and contents. */
export function hashInputs(root: string, inputs: string[]): string {
  const hash = createHash('sha256');
  for (const file of listInputs(root, inputs)) {
    hash.update(file).update('\0').update(readFileSync(join(root, file))).update('\0');
  }
  return hash.digest('hex');
}

/**
 * Builds `target` unless `ifStale` and its stamp is current. The hash is taken before the
 * build, so a source edited while the build runs makes the next start rebuild.
 * Returns whether it built.
 */
export async function buildTarget(root: string, target: BuildTarget, ifStale: boolean): Promise<boolean> {
  const outDir = resolve(root, target.outDir);
  const hash = hashInputs(root, target.inputs);
  const stamp = join(outDir, STAMP_FILE);
  if (ifStale && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === hash) return false;
  await target.build(outDir);
  writeFileSync(stamp, `${hash}\n`);
  return true;
}

/**
 * Bundles one server-side entry point as `npm start` runs the server: one ES module, the
 * workspaces compiled in, every npm dependency of the server left to `node_modules`.
 */
export async function bundleForNode(entry: string, outfile: string): Promise<void> {
  const { build } = await import('esbuild'); // only needed when building
  const pkg = JSON.parse(readFileSync(join(ROOT, 'apps/server/package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    // A package marked external also covers its subpaths (`fastify/...`).
    external: Object.keys(pkg.dependencies).filter((name) => !name.startsWith('@meshmeet/')),
    logLevel: 'warning',
  });
}

/** Bundles the server entry point (see {@link bundleForNode}). */
export function buildServer(outDir: string): Promise<void> {
  return bundleForNode(join(ROOT, 'apps/server/src/server.ts'), join(outDir, 'server.js'));
}

function buildWeb(outDir: string): Promise<void> {
  const run = spawnSync('npm', ['run', 'build', '-w', '@meshmeet/web', '--', '--outDir', outDir, '--emptyOutDir'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (run.status !== 0) return Promise.reject(new Error(`web build failed (exit ${run.status ?? run.signal})`));
  return Promise.resolve();
}

const SHARED = ['packages/protocol/src', 'packages/protocol/package.json', 'package-lock.json', 'tsconfig.base.json'];

/** The production targets, keyed by name. */
export const TARGETS: Record<'web' | 'server', BuildTarget> = {
  web: {
    name: 'web',
    inputs: ['apps/web/src', 'apps/web/public', 'apps/web/index.html', 'apps/web/vite.config.ts', 'apps/web/package.json', 'apps/web/tsconfig.json', ...SHARED],
    outDir: 'apps/web/dist',
    build: buildWeb,
  },
  server: {
    name: 'server',
    inputs: ['apps/server/src', 'apps/server/package.json', 'scripts/build.ts', ...SHARED],
    outDir: 'apps/server/dist',
    build: buildServer,
  },
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const ifStale = args.includes('--if-stale');
  const named = args.filter((a) => !a.startsWith('--'));
  for (const name of named) {
    if (!(name in TARGETS)) throw new Error(`unknown target "${name}" (known: ${Object.keys(TARGETS).join(', ')})`);
  }
  const targets = named.length ? named.map((n) => TARGETS[n as keyof typeof TARGETS]) : Object.values(TARGETS);
  for (const target of targets) {
    const started = Date.now();
    const built = await buildTarget(ROOT, target, ifStale);
    console.log(built ? `build: ${target.name} built in ${Date.now() - started} ms` : `build: ${target.name} is current`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(`build: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
