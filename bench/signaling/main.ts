import { cpus } from 'node:os';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { formatTable, writeResult, type BenchResult, type ResultRow } from '../lib/results.js';
import { VARIANTS, type VariantKey } from './cluster.js';
import type { BenchContext, ScenarioResult } from './context.js';
import { WorkerPool } from './pool.js';
import { hasTaskset, killAllStarted, machineCpu, startRedis, type Managed } from './procs.js';
import { round } from './stats.js';
import { joinsScenario } from './scenario-joins.js';
import { memoryScenario } from './scenario-memory.js';
import { ladderScenario } from './scenario-ladder.js';
import { relayScenario } from './scenario-relay.js';
import { checkoutBaseline, type BaselineCheckout } from './baseline.js';
import { compareScenario } from './scenario-compare.js';
import { compareScenarios, type ScenarioBuild } from './compare-scenarios.js';

/**
 * Signaling server benchmark: relay latency and throughput, joins, memory per
 * participant; on the memory store and on Redis, one node and two. Writes
 * `bench/results/signaling.json` and prints a table.
 *
 *   node --import tsx bench/signaling/main.ts [--quick] [--variants memory-1,redis-1,redis-2,memory-1c,redis-1c]
 *        (--quick: smaller and shorter, memory-1, redis-2 and the one-core ladders unless --variants is given;
 *         *-1c: server and redis-server pinned to one core, generators to the other, relay ladder only)
 *        [--scenarios relay,joins,memory] [--workers 2] [--budget seconds] [--server-env NAME=value,…]
 *        [--baseline <git-ref>[,<git-ref>…] [--rounds 3] [--rates 1000,2500,5000]]
 *        (--baseline: instead of the scenarios, compare this server's relay path with the
 *         server of each ref, checked out in a temporary git worktree, in one run that
 *         alternates the builds at every step; default variants memory-1,redis-1; writes
 *         bench/results/signaling-baseline.json; with --scenarios too, those scenarios instead run
 *         whole on every build, alternated --rounds times, and their targets are compared:
 *         see compare-scenarios.ts)
 *        [--floor [--rounds 3]]
 *        (--floor: the one-core ladder, default memory-1c, on this server and on the socket.io
 *         floor (floor-server.ts: socket.io relaying with no meshmeet code), alternated
 *         --rounds times, each target's figures side by side with their ratio; writes
 *         bench/results/signaling-floor.json)
 */

/** The reference server of `--floor`. */
const FLOOR_SERVER = 'bench/signaling/floor-server.ts';

const SCENARIOS = {
  relay: relayScenario,
  joins: joinsScenario,
  memory: memoryScenario,
} as const;
type ScenarioKey = keyof typeof SCENARIOS;

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    // Default: all variants; --quick keeps the two ends (memory 1 node, redis 2 nodes)
    // and the two one-core ladders.
    variants: { type: 'string' },
    // Default: all. With --baseline, naming scenarios runs them whole on every build instead
    // of the relay-path comparison.
    scenarios: { type: 'string' },
    workers: { type: 'string', default: '2' },
    // Seconds; scenarios not started by then are skipped (reported as such), so a
    // starved machine still ends with a result file instead of a killed run.
    budget: { type: 'string' },
    // Git refs of older servers to compare the relay path with (BENCH_BASELINE under npm run bench).
    baseline: { type: 'string', default: process.env.BENCH_BASELINE },
    rounds: { type: 'string', default: '3' },
    rates: { type: 'string' },
    floor: { type: 'boolean', default: false },
    // Extra server environment, NAME=value,NAME=value (e.g. PING_INTERVAL_MS=25000).
    'server-env': { type: 'string' },
  },
});

/** `--server-env A=1,B=2` as an object. */
function serverEnvArg(raw: string | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of (raw ?? '').split(',').filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`--server-env: "${pair}" is not NAME=value`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

function pickList<K extends string>(raw: string, allowed: readonly K[], what: string): K[] {
  const list = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const v of list) if (!allowed.includes(v as K)) throw new Error(`unknown ${what} "${v}" (choose from ${allowed.join(', ')})`);
  return list as K[];
}

function openFileLimit(): number {
  const m = /Max open files\s+(\d+|unlimited)/.exec(readFileSync('/proc/self/limits', 'utf8'));
  return !m || m[1] === 'unlimited' ? Infinity : Number(m[1]);
}

function hasRedis(): boolean {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const log = (line: string): void => void process.stderr.write(line + '\n');

/** Logs a scenario or comparison that threw and gives the failing row that stands for it in the table. */
function failedRun(variant: VariantKey, what: string, e: unknown): ResultRow {
  const msg = (e as Error).message;
  log(`  FAILED: ${msg}`);
  return { variant: VARIANTS[variant].label, metric: what, value: null, unit: '', target: 'runs', pass: false, note: msg.split('\n')[0]! };
}

/** Worktrees of `--baseline` refs, removed at the end (and on Ctrl-C). */
const baselines: BaselineCheckout[] = [];

async function main(): Promise<void> {
  const started = Date.now();
  const quick = args.quick!;
  const baselineRefs = (args.baseline ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const comparing = baselineRefs.length > 0;
  const floor = args.floor!;
  if (floor && comparing) throw new Error('--floor and --baseline do not combine: run them one after the other');
  const defaultVariants = floor ? 'memory-1c' : comparing ? 'memory-1,redis-1' : quick ? 'memory-1,redis-2,memory-1c,redis-1c' : Object.keys(VARIANTS).join(',');
  let variants = pickList(args.variants ?? defaultVariants, Object.keys(VARIANTS) as VariantKey[], 'variant');
  const scenarios = pickList(args.scenarios ?? Object.keys(SCENARIOS).join(','), Object.keys(SCENARIOS) as ScenarioKey[], 'scenario');
  // --baseline with --scenarios: whole scenarios alternated build after build (compare-scenarios.ts).
  const wholeScenarios = comparing && args.scenarios !== undefined;
  if (floor && variants.some((v) => !VARIANTS[v].oneCore)) throw new Error('--floor runs the one-core ladder: give *-1c variants');
  const workers = Math.max(1, Number(args.workers));
  const notes: string[] = [];

  // 10,000 participants need 10,000 descriptors in the server and spread over the generators.
  const fdLimit = openFileLimit();
  if (scenarios.includes('memory') && !quick && fdLimit < 10_000 + 1_000) {
    notes.push(`open-file limit is ${fdLimit}: raise it (ulimit -n) or the 10,000-participant step fails; scripts/bench.sh does this`);
  }
  if (variants.some((v) => VARIANTS[v].redis) && !hasRedis()) {
    notes.push('redis-server not found: Redis variants skipped (scripts/bench.sh installs it)');
    variants = variants.filter((v) => !VARIANTS[v].redis);
  }
  if (variants.some((v) => VARIANTS[v].oneCore) && (!hasTaskset() || cpus().length < 2)) {
    notes.push('one-core variants skipped: they need taskset (util-linux) and at least 2 cores');
    variants = variants.filter((v) => !VARIANTS[v].oneCore);
  }

  // Anything else running skews every figure on 2 cores: measure it and say so.
  const m0 = machineCpu();
  await new Promise((r) => setTimeout(r, 1000));
  const m1 = machineCpu();
  const busyBefore = round(((m1.busy - m0.busy) / (m1.total - m0.total)) * 100, 1);
  const loadBefore = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  log(`[signaling] machine before start: ${busyBefore}% busy (all cores), load average ${loadBefore}`);
  if (busyBefore > 10) {
    notes.push(`other processes kept the machine ${busyBefore}% busy just before the run (load average ${loadBefore}): figures are pessimistic; rerun on an idle machine`);
  }

  let redis: Managed | null = null;
  const pool = WorkerPool.start(workers);
  const rows: ResultRow[] = [];
  const details: Record<string, Record<string, unknown>> = {};
  const cpu = cpus();
  const budgetS = Number(args.budget ?? (quick ? 120 : 600));
  const build = (partial: boolean): BenchResult => ({
    name: floor ? 'signaling-floor' : comparing ? 'signaling-baseline' : 'signaling',
    rows,
    notes: [
      ...notes,
      `${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown CPU'}) shared by the server node(s), ${redis ? 'redis-server, ' : ''}and ${workers} generator processes`,
      ...(partial ? ['partial result: the run did not finish'] : []),
    ],
    meta: {
      quick,
      partial,
      workers,
      cores: cpu.length,
      cpu: cpu[0]?.model.trim(),
      node: process.version,
      openFileLimit: fdLimit,
      machineBusyBeforePct: busyBefore,
      loadAverageBefore: loadBefore,
      durationS: Math.round((Date.now() - started) / 1000),
      finishedAt: new Date().toISOString(),
      budgetS,
      ...(comparing ? { baselines: baselines.map((b) => ({ ref: b.ref, commit: b.commit, subject: b.subject })), rounds: Number(args.rounds) } : {}),
      ...(floor ? { floor: FLOOR_SERVER, rounds: Number(args.rounds) } : {}),
      details,
    },
  });
  try {
    if (variants.some((v) => VARIANTS[v].redis)) redis = await startRedis();
    const ctx: BenchContext = { pool, redis, quick, log, serverEnv: serverEnvArg(args['server-env']) };
    for (const ref of baselineRefs) {
      const b = checkoutBaseline(ref);
      baselines.push(b);
      log(`[signaling] baseline ${ref}: ${b.short} "${b.subject}" checked out in ${b.dir}`);
    }
    // Whole scenarios on several builds, alternated (compare-scenarios.ts).
    const compareBuilds = async (builds: ScenarioBuild[], judge: boolean): Promise<void> => {
      for (const variant of variants) {
        for (const scenario of scenarios) {
          if (VARIANTS[variant].oneCore && scenario !== 'relay') continue;
          log(`[signaling] ${scenario} on ${VARIANTS[variant].label}, ${builds.map((b) => b.label).join(' against ')}`);
          const run = VARIANTS[variant].oneCore ? ladderScenario : SCENARIOS[scenario];
          try {
            const res = await compareScenarios(ctx, variant, scenario, run, builds, Math.max(1, Number(args.rounds)), judge);
            rows.push(...res.rows);
            notes.push(...res.notes);
            (details[variant] ??= {})[`${scenario}-compare`] = res.details;
          } catch (e) {
            rows.push(failedRun(variant, `${scenario} comparison`, e));
          }
          writeResult(build(true));
        }
      }
    };
    if (wholeScenarios) {
      // Both from their sources, so the builds differ only in their code.
      await compareBuilds(
        [
          { label: 'current', cluster: { fromSource: true } },
          ...baselines.map((b) => ({ label: `baseline ${b.short}`, cluster: { fromSource: true, checkout: b.dir } })),
        ],
        true,
      );
    }
    if (floor) {
      await compareBuilds(
        [
          { label: 'meshmeet', cluster: {} },
          { label: 'socket.io floor', cluster: { entry: FLOOR_SERVER } },
        ],
        false,
      );
    }
    for (const variant of comparing && !wholeScenarios ? variants : []) {
      log(`[signaling] relay path, current against ${baselines.map((b) => b.short).join(', ')} on ${VARIANTS[variant].label}`);
      try {
        const rates = args.rates ? args.rates.split(',').map(Number).filter((n) => n > 0) : undefined;
        const res = await compareScenario(ctx, variant, { baselines, rounds: Math.max(1, Number(args.rounds)), ...(rates ? { rates } : {}) });
        rows.push(...res.rows);
        notes.push(...res.notes);
        (details[variant] ??= {}).compare = res.details;
      } catch (e) {
        rows.push(failedRun(variant, 'baseline comparison', e));
      }
      writeResult(build(true));
    }
    for (const variant of comparing || floor ? [] : variants) {
      for (const scenario of scenarios) {
        const elapsedS = (Date.now() - started) / 1000;
        if (elapsedS > budgetS) {
          log(`[signaling] ${scenario} on ${VARIANTS[variant].label}: skipped, time budget of ${budgetS} s used up`);
          rows.push({ variant: VARIANTS[variant].label, metric: `${scenario} scenario`, value: null, unit: '', note: `skipped: the ${budgetS} s time budget was used up (--budget)` });
          continue;
        }
        // A one-core variant measures relay capacity only, with its own ladder.
        if (VARIANTS[variant].oneCore && scenario !== 'relay') continue;
        log(`[signaling] ${scenario} on ${VARIANTS[variant].label}`);
        let res: ScenarioResult;
        try {
          res = await (VARIANTS[variant].oneCore ? ladderScenario : SCENARIOS[scenario])(ctx, variant);
        } catch (e) {
          res = {
            rows: [failedRun(variant, `${scenario} scenario`, e)],
            details: { error: (e as Error).stack },
            notes: [],
          };
        }
        rows.push(...res.rows);
        notes.push(...res.notes.map((n) => `${VARIANTS[variant].label}: ${n}`));
        (details[variant] ??= {})[scenario] = res.details;
        // Written after every scenario, so an interrupted run still leaves what it measured.
        writeResult(build(true));
      }
    }
  } finally {
    await pool.stop();
    await redis?.stop();
    for (const b of baselines) b.remove();
  }

  const result = build(false);
  const path = writeResult(result);
  log(`[signaling] done in ${result.meta!.durationS} s; wrote ${path}`);
  // Under bench/run.ts the combined table follows; printing this one too would repeat it.
  if (!process.env.BENCH_ORCHESTRATED) console.log(formatTable([result]));
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    killAllStarted();
    for (const b of baselines) b.remove();
    process.exit(130);
  });
}

main().catch((e: unknown) => {
  killAllStarted();
  console.error(e);
  process.exit(1);
});
