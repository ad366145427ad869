import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { clampSlowness, MAX_SLOWNESS } from './slowness.js';

const SLOWNESS_MODULE = fileURLToPath(new URL('./slowness.ts', import.meta.url));

const hogs: ChildProcess[] = [];
afterEach(() => {
  for (const hog of hogs.splice(0)) hog.kill('SIGKILL');
});

/** Starts a busy loop pinned to CPU 0; resolves once the loop is about to spin (node's own start-up is over). */
function startHog(): Promise<void> {
  const hog = spawn('taskset', ['-c', '0', process.execPath, '-e', "process.stdout.write('spinning\\n'); for(;;){}"], { stdio: ['ignore', 'pipe', 'ignore'] });
  hogs.push(hog);
  return new Promise((resolve, reject) => {
    hog.stdout!.once('data', () => resolve());
    hog.once('error', reject);
  });
}

/**
 * Loads the module in a fresh node pinned to CPU 0, then (once it is ready, so start-up is
 * not timed) starts `hogCount` busy loops on the same CPU and, once every one of them is
 * spinning, runs one calibration there. (Measuring while the hogs were still starting
 * let a busy run see only part of the competition.)
 */
function calibrateOnCpu0(hogCount: number): Promise<number> {
  const code = `import('${SLOWNESS_MODULE}').then((m) => {
    console.log('ready');
    process.stdin.once('data', () => { console.log('factor', m.measureSlowness().factor); process.exit(0); });
  })`;
  return new Promise((resolve, reject) => {
    const child = spawn('taskset', ['-c', '0', process.execPath, '--import', 'tsx', '-e', code], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out === 'ready\n') {
        Promise.all(Array.from({ length: hogCount }, startHog)).then(() => child.stdin.write('go\n'), reject);
      }
    });
    child.once('error', reject);
    child.once('exit', (status) => {
      const m = /factor (\S+)/.exec(out);
      if (status === 0 && m) resolve(Number(m[1]));
      else reject(new Error(`calibration exited ${status}: ${out}`));
    });
  });
}

describe('slowness factor', () => {
  it('grows when other processes compete for the same core', { timeout: 60_000 }, async () => {
    // Three busy loops on CPU 0 leave the calibration at most a quarter of that core,
    // whatever else the machine is doing: its wall time must stretch well past its CPU time.
    expect(await calibrateOnCpu0(3)).toBeGreaterThan(2.5);
  });

  it('is clamped to [1, MAX_SLOWNESS]', () => {
    expect(clampSlowness(0.7)).toBe(1);
    expect(clampSlowness(2.5)).toBe(2.5);
    expect(clampSlowness(50)).toBe(MAX_SLOWNESS);
    expect(clampSlowness(Number.NaN)).toBe(MAX_SLOWNESS);
  });
});
