import { spawn, spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatTable, readResult, RESULTS_DIR, writeResult, type BenchResult } from './lib/results.js';

/**
 * `npm run bench`: runs every benchmark present, each writing
 * `bench/results/<name>.json`, then prints one combined table and writes
 * `bench/results/summary.json`.
 *
 *   node --import tsx bench/run.ts [--quick] [--only signaling,web] [--no-build] [--strict]
 *
 * --quick    short smoke run (each benchmark also sees BENCH_QUICK=1)
 * --only     comma list of benchmark names
 * --no-build skip `npm run build` before the browser benchmarks
 * --strict   exit 1 when a target is missed (default: only when a benchmark fails to run)
 * --baseline git ref(s) of an older server: the signaling benchmark then compares its relay
 *            path with this one instead of running its scenarios (see bench/README.md)
 *
 * Browser benchmarks run inside a fresh loopback-only network namespace
 * (`unshare -n`), with the servers they need started in there, so WebRTC never
 * leaves 127.0.0.0/8 and no port clashes with anything else on the machine.
 */

interface BenchSpec {
  name: string;
  entry: string;
  /** Runs Chromium: needs the namespace and a built web app. */
  browser: boolean;
  /** Wall-clock limit, seconds (full, quick). */
  limitS: [number, number];
}

const BENCHES: BenchSpec[] = [
  { name: 'signaling', entry: 'bench/signaling/main.ts', browser: false, limitS: [1200, 300] },
  { name: 'web', entry: 'bench/web/main.ts', browser: true, limitS: [900, 300] },
  { name: 'recording', entry: 'bench/recording/main.ts', browser: true, limitS: [900, 300] },
  { name: 'recording-latency', entry: 'bench/recording/latency.ts', browser: true, limitS: [600, 240] },
  { name: 'mesh', entry: 'bench/mesh/main.ts', browser: true, limitS: [2700, 600] },
  { name: 'network', entry: 'bench/network/main.ts', browser: true, limitS: [1500, 900] },
];

const ROOT = resolve(import.meta.dirname, '..');

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    'no-build': { type: 'boolean', default: false },
    strict: { type: 'boolean', default: false },
    baseline: { type: 'string' },
  },
});

const log = (line: string): void => void process.stderr.write(`[bench] ${line}\n`);

/** Outcome of one benchmark process. */
interface Outcome {
  name: string;
  exitCode: number | null;
  durationS: number;
  result: BenchResult;
}

/** Runs one benchmark; resolves with its result file, or a failure row when there is none. */
function runOne(spec: BenchSpec, quick: boolean): Promise<Outcome> {
  // With --baseline the signaling benchmark writes its comparison under its own name.
  const resultName = spec.name === 'signaling' && args.baseline ? 'signaling-baseline' : spec.name;
  const resultPath = join(RESULTS_DIR, `${resultName}.json`);
  // A stale file from an earlier run must never pass for this run's result.
  rmSync(resultPath, { force: true });
  const node = [process.execPath, '--import', 'tsx', spec.entry, ...(quick ? ['--quick'] : [])];
  const [cmd, ...cmdArgs] = spec.browser
    ? ['unshare', '-n', 'sh', '-c', 'ip link set lo up && exec "$0" "$@"', ...node]
    : node;
  const limitS = spec.limitS[quick ? 1 : 0];
  const started = Date.now();
  log(`${spec.name}: ${spec.browser ? '(loopback-only namespace) ' : ''}${node.slice(1).join(' ')}`);
  return new Promise((done) => {
    // Own process group, so a timeout stops the benchmark and everything it started.
    const child = spawn(cmd!, cmdArgs, {
      cwd: ROOT,
      stdio: 'inherit',
      detached: true,
      env: { ...process.env, BENCH_ORCHESTRATED: '1', ...(quick ? { BENCH_QUICK: '1' } : {}), ...(args.baseline ? { BENCH_BASELINE: args.baseline } : {}) },
    });
    current = child;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      log(`${spec.name}: over ${limitS} s, stopping it`);
      try {
        process.kill(-child.pid!, 'SIGTERM');
        setTimeout(() => {
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            /* already gone */
          }
        }, 5000).unref();
      } catch {
        /* already gone */
      }
    }, limitS * 1000);
    const finish = (exitCode: number | null, why?: string): void => {
      clearTimeout(timer);
      current = null;
      const durationS = Math.round((Date.now() - started) / 1000);
      let result: BenchResult;
      try {
        result = readResult(resultPath);
      } catch (e) {
        const reason = why ?? (timedOut ? `timed out after ${limitS} s` : `exit code ${exitCode}; ${(e as Error).message.split('\n')[0]}`);
        result = { name: spec.name, rows: [{ metric: 'benchmark ran', value: null, unit: '', target: 'results written', pass: false, note: reason }] };
      }
      done({ name: spec.name, exitCode, durationS, result });
    };
    child.on('error', (e) => finish(null, `could not start: ${e.message}`));
    child.on('exit', (code) => finish(code));
  });
}

/** The benchmark running now. It has its own process group (see runOne), so a Ctrl-C
 * or SIGTERM sent to us does not reach it by itself: forward it, or it would keep its
 * servers and thousands of sockets running after we are gone. */
let current: ReturnType<typeof spawn> | null = null;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    if (current?.pid) {
      try {
        process.kill(-current.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
    }
    process.exit(130);
  });
}

async function main(): Promise<void> {
  const quick = args.quick!;
  const present = BENCHES.filter((b) => existsSync(join(ROOT, b.entry)));
  let selected = present;
  if (args.only) {
    const names = args.only.split(',').map((s) => s.trim()).filter(Boolean);
    for (const n of names) {
      if (!BENCHES.some((b) => b.name === n)) throw new Error(`unknown benchmark "${n}" (known: ${BENCHES.map((b) => b.name).join(', ')})`);
      if (!present.some((b) => b.name === n)) log(`${n}: ${BENCHES.find((b) => b.name === n)!.entry} not found, skipped`);
    }
    selected = present.filter((b) => names.includes(b.name));
  }
  if (selected.length === 0) throw new Error('no benchmark to run');

  // Browser benchmarks measure the built app: build it once, up front.
  if (selected.some((b) => b.browser) && !args['no-build']) {
    log('building the web app (npm run build)');
    const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
    if (r.status !== 0) log(`build failed (exit ${r.status}); browser benchmarks will likely fail`);
  }

  const outcomes: Outcome[] = [];
  // One after the other: they share two cores, and each must own them while it measures.
  for (const spec of selected) outcomes.push(await runOne(spec, quick));

  const results = outcomes.map((o) => o.result);
  const rows = results.flatMap((r) => r.rows);
  const met = rows.filter((r) => r.pass === true).length;
  const missed = rows.filter((r) => r.pass === false).length;
  const broken = outcomes.filter((o) => o.exitCode !== 0);
  writeResult({
    name: 'summary',
    rows: results.flatMap((r) => r.rows.map((row) => ({ ...row, metric: `${r.name}: ${row.metric}` }))),
    notes: results.flatMap((r) => (r.notes ?? []).map((n) => `${r.name}: ${n}`)),
    meta: {
      quick,
      finishedAt: new Date().toISOString(),
      benchmarks: outcomes.map((o) => ({ name: o.name, exitCode: o.exitCode, durationS: o.durationS, meta: o.result.meta ?? null })),
      targets: { met, missed },
    },
  });
  console.log('\n' + formatTable(results));
  console.log(`\nTargets: ${met} met, ${missed} missed. Results: bench/results/<name>.json, bench/results/summary.json`);
  for (const o of broken) console.log(`Benchmark "${o.name}" exited with code ${o.exitCode}.`);
  process.exitCode = broken.length > 0 || (args.strict && missed > 0) ? 1 : 0;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
