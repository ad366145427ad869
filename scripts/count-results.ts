/**
 * Combines the Vitest JSON report and the node:test TAP report into one `passed failed`
 * pair on stdout (used by scripts/test-all.sh for its closing `N passed, N failed` line).
 * A report that is missing counts as one failure: a runner that crashed before writing
 * its report must never look like a clean run.
 *
 * Usage: node --import tsx scripts/count-results.ts <vitest.json> <e2e.tap> [--no-e2e]
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
  const [vitestPath, tapPath, flag] = process.argv.slice(2);
  const total: Counts = { passed: 0, failed: 0 };
  const add = (c: Counts) => {
    total.passed += c.passed;
    total.failed += c.failed;
  };
  if (vitestPath && existsSync(vitestPath)) {
    add(countVitest(JSON.parse(readFileSync(vitestPath, 'utf8')) as VitestJson));
  } else {
    console.error('count-results: no Vitest report (runner crashed or never ran)');
    add({ passed: 0, failed: 1 });
  }
  if (flag !== '--no-e2e') {
    if (tapPath && existsSync(tapPath)) add(countTap(readFileSync(tapPath, 'utf8')));
    else {
      console.error('count-results: no e2e report (runner crashed or never ran)');
      add({ passed: 0, failed: 1 });
    }
  }
  process.stdout.write(`${total.passed} ${total.failed}\n`);
}

main();
