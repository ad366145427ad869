import type { ResultRow } from '../lib/results.js';
import type { ClusterOptions, VariantKey } from './cluster.js';
import { VARIANTS } from './cluster.js';
import type { BenchContext, ScenarioResult } from './context.js';
import { median, round } from './stats.js';

/**
 * Whole scenarios of this bench, this server against older builds of itself, in one run:
 * every round runs the scenario once on every build, the order reversed at each round
 * (A B, B A, …), so what else the machine does hits every build alike. Its rows with a
 * target are then paired across builds: per build the median over rounds and how many
 * rounds met the target, and the ratio current / baseline. A target is "not worse" when the
 * current build's median meets it, or misses it by no more than {@link NOT_WORSE_TOLERANCE}
 * times the baseline's median.
 *
 * This answers "did a change make a target of the benchmark worse?" on a machine whose
 * absolute figures move from hour to hour: a target both builds miss today is the machine,
 * one only the current build misses is the change.
 */

/** One build under comparison: a label and how to start its servers. */
export interface ScenarioBuild {
  label: string;
  cluster: ClusterOptions;
}

/** A scenario of this bench, as main.ts runs it. */
export type Scenario = (ctx: BenchContext, variant: VariantKey) => Promise<ScenarioResult>;

/** Most a change may worsen a missed target's figure (median over rounds) and still count as not worse. */
export const NOT_WORSE_TOLERANCE = 1.1;

/** A target as a bound: `<= 5` and `0` want figures at or under it, `>= 1000` at or over it. */
export function targetBound(target: string): { dir: 'low' | 'high'; bound: number } | null {
  const m = /^(<=|>=)?\s*(\d+(?:\.\d+)?)$/.exec(target.trim());
  if (!m) return null;
  return { dir: m[1] === '>=' ? 'high' : 'low', bound: Number(m[2]) };
}

/** Per build, the targeted rows of each round. */
type RowsByBuild = Map<string, ResultRow[][]>;

/**
 * Pairs the targeted rows of the first build (current) with each other build's, by metric.
 * With `judge` false the other builds are references, not older versions (the socket.io
 * floor): the rows give the figures and their ratio but no verdict, since "not worse than
 * a server that checks nothing" is not a question worth a pass or a fail.
 * Exported for its unit test: the decision "worse or not" is the point of the comparison.
 */
export function compareTargets(variantLabel: string, builds: string[], byBuild: RowsByBuild, judge = true): ResultRow[] {
  const [current, ...others] = builds as [string, ...string[]];
  const metricsOf = (b: string): Map<string, ResultRow[]> => {
    const m = new Map<string, ResultRow[]>();
    for (const rows of byBuild.get(b) ?? []) for (const r of rows) m.set(r.metric, [...(m.get(r.metric) ?? []), r]);
    return m;
  };
  const cur = metricsOf(current);
  const out: ResultRow[] = [];
  for (const other of others) {
    const base = metricsOf(other);
    for (const [metric, curRows] of cur) {
      const baseRows = base.get(metric);
      const target = curRows[0]!.target!;
      const t = targetBound(target);
      const nums = (rows: ResultRow[]): number[] => rows.map((r) => (typeof r.value === 'number' ? r.value : NaN));
      const c = median(nums(curRows));
      const b = baseRows ? median(nums(baseRows)) : NaN;
      const met = (rows: ResultRow[]): string => `${rows.filter((r) => r.pass).length} of ${rows.length}`;
      // Not worse: the current median meets the target, or (both missing it) is no further
      // from it than the baseline's by more than the tolerance. Where the baseline had zero
      // (nothing lost), anything but zero is worse.
      let ratio: number | null = null;
      let notWorse: boolean | undefined;
      if (t && Number.isFinite(c) && Number.isFinite(b)) {
        const meets = t.dir === 'low' ? c <= t.bound : c >= t.bound;
        if (b !== 0) ratio = round(c / b, 3);
        const withinTolerance =
          ratio === null ? t.dir === 'high' || c === 0 : t.dir === 'low' ? ratio <= NOT_WORSE_TOLERANCE : ratio >= 1 / NOT_WORSE_TOLERANCE;
        notWorse = meets || withinTolerance;
      }
      out.push({
        variant: variantLabel,
        metric: `${metric}: current / ${other} (median of rounds)`,
        value: `${Number.isFinite(c) ? round(c, 3) : 'n/a'} / ${Number.isFinite(b) ? round(b, 3) : 'n/a'}`,
        unit: curRows[0]!.unit,
        target: judge ? `not worse (target ${target})` : `reference (target ${target})`,
        ...(judge && notWorse !== undefined ? { pass: notWorse } : {}),
        note:
          `target met in ${met(curRows)} rounds (current), ${baseRows ? met(baseRows) : 'no'} rounds (${other})` +
          (ratio !== null ? `; ratio ${ratio}` : '') +
          `; per round: ${nums(curRows).map((x) => round(x, 2)).join(', ')} against ${baseRows ? nums(baseRows).map((x) => round(x, 2)).join(', ') : 'none'}`,
      });
    }
  }
  return out;
}

/** Runs `scenario` on every build, `rounds` times, alternating; see the module comment and {@link compareTargets} for `judge`. */
export async function compareScenarios(
  ctx: BenchContext,
  variant: VariantKey,
  name: string,
  scenario: Scenario,
  builds: ScenarioBuild[],
  rounds: number,
  judge = true,
): Promise<ScenarioResult> {
  const byBuild: RowsByBuild = new Map(builds.map((b) => [b.label, []]));
  const notes: string[] = [];
  const details: Record<string, unknown[]> = {};
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 ? [...builds].reverse() : builds;
    for (const b of order) {
      ctx.log(`  round ${r + 1}, ${b.label}: ${name} on ${VARIANTS[variant].label}`);
      const res = await scenario({ ...ctx, cluster: b.cluster }, variant);
      byBuild.get(b.label)!.push(res.rows.filter((row) => row.target !== undefined));
      (details[b.label] ??= []).push({ round: r + 1, rows: res.rows });
      notes.push(...res.notes.map((n) => `${b.label}, round ${r + 1}: ${n}`));
    }
  }
  const rows = compareTargets(VARIANTS[variant].label, builds.map((b) => b.label), byBuild, judge);
  return { rows, notes, details };
}
