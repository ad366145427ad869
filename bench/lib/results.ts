import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The result file every benchmark writes to `bench/results/<name>.json`, and the
 * table the orchestrator prints from them. Benchmarks written by other helpers only
 * need to produce this JSON shape; importing this module is optional.
 */

/** One measured figure. */
export interface ResultRow {
  /** What was measured, e.g. `relay p99 @ 5000/s`. */
  metric: string;
  /** The figure itself; `null` when it could not be measured (say why in `note`). */
  value: number | string | null;
  /** Unit of `value`, e.g. `ms`, `relays/s`, `MB`. */
  unit: string;
  /** Human-readable target, e.g. `<= 5`. Absent for informational rows. */
  target?: string;
  /** Whether `value` meets `target`. Absent for informational rows. */
  pass?: boolean;
  /** Scenario variant the row belongs to, e.g. `memory, 1 node`. */
  variant?: string;
  /** Short explanation (a miss, a generator limit, …). */
  note?: string;
}

/** Contents of `bench/results/<name>.json`. */
export interface BenchResult {
  name: string;
  rows: ResultRow[];
  /** Free-form remarks printed under the table. */
  notes?: string[];
  /** Machine and run facts (cores, node version, quick mode, duration). */
  meta?: Record<string, unknown>;
}

/** Absolute path of `bench/results/`. */
export const RESULTS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'results');

/** Writes `bench/results/<result.name>.json` and returns its path. */
export function writeResult(result: BenchResult): string {
  const path = join(RESULTS_DIR, `${result.name}.json`);
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(path, JSON.stringify(result, null, 2) + '\n');
  return path;
}

/** Reads and loosely checks one result file; throws with the file name when malformed. */
export function readResult(path: string): BenchResult {
  const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    typeof (parsed as BenchResult).name !== 'string' ||
    !Array.isArray((parsed as BenchResult).rows)
  ) {
    throw new Error(`${path}: expected { name, rows: [...] }`);
  }
  return parsed as BenchResult;
}

/** Formats a number for the table: integers as is, others with 2–3 significant decimals. */
export function formatValue(value: ResultRow['value']): string {
  if (value === null) return 'n/a';
  if (typeof value === 'string') return value;
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  return value.toFixed(abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3);
}

/** Renders results as one aligned plain-text table (no colours: logs stay readable in CI). */
export function formatTable(results: BenchResult[]): string {
  const header = ['bench', 'variant', 'metric', 'value', 'unit', 'target', 'pass'];
  const lines: string[][] = [];
  for (const r of results) {
    for (const row of r.rows) {
      lines.push([
        r.name,
        row.variant ?? '',
        row.metric,
        formatValue(row.value),
        row.unit,
        row.target ?? '',
        row.pass === undefined ? '' : row.pass ? 'PASS' : 'MISS',
      ]);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]): string =>
    cells
      .map((c, i) => (i === 3 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out = [fmt(header), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const l of lines) out.push(fmt(l));
  const notes = results.flatMap((r) => [
    ...(r.notes ?? []).map((n) => `[${r.name}] ${n}`),
    ...r.rows.filter((row) => row.note).map((row) => `[${r.name}] ${row.metric}${row.variant ? ` (${row.variant})` : ''}: ${row.note}`),
  ]);
  if (notes.length > 0) out.push('', 'Notes:', ...notes.map((n) => `  - ${n}`));
  return out.join('\n');
}
