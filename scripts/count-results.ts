/**
 * Combines the Vitest JSON report and the node:test TAP report into one `passed failed`
 * pair on stdout (used by scripts/test-all.sh for its closing `N passed, N failed` line).
 * A report that is missing counts as one failure: a runner that crashed before writing
 * its report must never look like a clean run.
 *
 * Usage: node --import tsx scripts/count-results.ts vitest=<vitest.json> tap=<e2e.tap> …
 */
import { existsSync, readFileSync } from 'node:fs';

/** Pass/fail counts of one runner. */
export interface Counts {
  passed: number;
  failed: number;
}

interface VitestJson {
  numPassedTests: number;
  numFailedTests: number;
  testResults: { status: string; assertionResults: { status: string }[] }[];
}

/** Counts a Vitest JSON report; a file that failed to load (no failed test in it) counts once. */
export function countVitest(json: VitestJson): Counts {
  const brokenFiles = json.testResults.filter(
    (f) => f.status === 'failed' && !f.assertionResults.some((a) => a.status === 'failed'),
  ).length;
  return { passed: json.numPassedTests, failed: json.numFailedTests + brokenFiles };
}

/** Counts node:test's TAP summary (`# pass N`, `# fail N`, `# cancelled N`). */
export function countTap(tap: string): Counts {
  const num = (key: string): number => {
    const all = [...tap.matchAll(new RegExp(`^# ${key} (\\d+)$`, 'gm'))];
    return all.length ? Number(all[all.length - 1]![1]) : 0;
  };
  if (!/^# tests \d+$/m.test(tap)) return { passed: 0, failed: 1 };
  return { passed: num('pass'), failed: num('fail') + num('cancelled') };
}

function main(): void {
  // Arguments: `vitest=<file>` or `tap=<file>`, in any number. A listed file that does not
  // exist counts as one failure (its runner crashed or never ran).
  const total: Counts = { passed: 0, failed: 0 };
  for (const arg of process.argv.slice(2)) {
    const [kind, path] = arg.split(/=(.*)/s) as [string, string];
    if (!existsSync(path)) {
      console.error(`count-results: no report at ${path} (runner crashed or never ran)`);
      total.failed += 1;
      continue;
    }
    const text = readFileSync(path, 'utf8');
    const c = kind === 'vitest' ? countVitest(JSON.parse(text) as VitestJson) : countTap(text);
    total.passed += c.passed;
    total.failed += c.failed;
  }
  process.stdout.write(`${total.passed} ${total.failed}\n`);
}

// Only when run as a script, so tests can import the counters.
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, ''))) main();
