/**
 * The production build: a start with current sources does not rebuild, a changed source
 * does, and the bundled server runs on plain Node (no TypeScript loader).
 * Run: `node --import tsx --test scripts/build.test.ts` (starts a server on 127.0.0.1).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildServer, buildTarget, hashInputs, listInputs, type BuildTarget } from './build.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

function fixture(): string {
  const dir = mkdtempSync(join(tmpdir(), 'meshmeet-build-'));
  mkdirSync(join(dir, 'src/nested'), { recursive: true });
  mkdirSync(join(dir, 'src/node_modules'), { recursive: true });
  writeFileSync(join(dir, 'src/a.ts'), 'export const a = 1;\n');
  writeFileSync(join(dir, 'src/nested/b.ts'), 'export const b = 2;\n');
  writeFileSync(join(dir, 'src/a.test.ts'), 'test\n');
  writeFileSync(join(dir, 'src/node_modules/x.js'), 'x\n');
  writeFileSync(join(dir, 'config.json'), '{}\n');
  return dir;
}

test('listInputs takes every source file under the inputs, but no tests, node_modules or missing paths', () => {
  const dir = fixture();
  try {
    assert.deepEqual(listInputs(dir, ['src', 'config.json', 'absent']), ['config.json', 'src/a.ts', 'src/nested/b.ts']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the input hash follows contents and names, not modification times', () => {
  const dir = fixture();
  try {
    const before = hashInputs(dir, ['src']);
    utimesSync(join(dir, 'src/a.ts'), new Date(), new Date(Date.now() + 60_000));
    assert.equal(hashInputs(dir, ['src']), before, 'touching a file changed the hash');
    writeFileSync(join(dir, 'src/a.test.ts'), 'changed test\n');
    assert.equal(hashInputs(dir, ['src']), before, 'editing a unit test changed the hash');
    writeFileSync(join(dir, 'src/nested/b.ts'), 'export const b = 3;\n');
    assert.notEqual(hashInputs(dir, ['src']), before, 'editing a source left the hash unchanged');
    const edited = hashInputs(dir, ['src']);
    writeFileSync(join(dir, 'src/c.ts'), '');
    assert.notEqual(hashInputs(dir, ['src']), edited, 'adding an empty file left the hash unchanged');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--if-stale skips a current build and rebuilds after a source change or a deleted output', async () => {
  const dir = fixture();
  let builds = 0;
  const target: BuildTarget = {
    name: 'fixture',
    inputs: ['src', 'config.json'],
    outDir: 'out',
    build: async (outDir) => {
      builds += 1;
      mkdirSync(outDir, { recursive: true });
      writeFileSync(join(outDir, 'artifact'), String(builds));
    },
  };
  try {
    assert.equal(await buildTarget(dir, target, true), true, 'first build');
    assert.equal(await buildTarget(dir, target, true), false, 'current build was redone');
    writeFileSync(join(dir, 'config.json'), '{"x":1}\n');
    assert.equal(await buildTarget(dir, target, true), true, 'changed input did not rebuild');
    assert.equal(await buildTarget(dir, target, true), false);
    rmSync(join(dir, 'out'), { recursive: true });
    assert.equal(await buildTarget(dir, target, true), true, 'deleted output did not rebuild');
    assert.equal(await buildTarget(dir, target, false), true, 'a forced build was skipped');
    assert.equal(builds, 4);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the bundled server starts on plain node and answers /healthz', async (t) => {
  // Inside apps/server so the bundle's external packages resolve from node_modules as they
  // do for apps/server/dist.
  mkdirSync(join(ROOT, 'apps/server/dist'), { recursive: true });
  const outDir = mkdtempSync(join(ROOT, 'apps/server/dist/build-test-'));
  t.after(() => rmSync(outDir, { recursive: true, force: true }));
  await buildServer(outDir);

  const child = spawn(process.execPath, [join(outDir, 'server.js')], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', REDIS_URL: '', ICE_SERVERS: '[]' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => void child.kill('SIGKILL'));
  let output = '';
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const address = await new Promise<string>((resolveAddress, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString();
      const m = /listening on (\S+)/.exec(output);
      if (m?.[1]) resolveAddress(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}) before listening:\n${output}`)));
  });
  const res = await fetch(`${address}/healthz`);
  assert.equal(res.status, 200, output);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.kill('SIGTERM');
  assert.equal(await exited, 0, `graceful shutdown failed:\n${output}`);
});
