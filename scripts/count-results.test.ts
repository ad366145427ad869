import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countTap, countVitest } from './count-results.js';

test('countTap reads the closing summary, counting cancelled as failed', () => {
  const tap = 'TAP version 13\nok 1 - a\n# tests 4\n# suites 1\n# pass 2\n# fail 1\n# cancelled 1\n# skipped 0\n';
  assert.deepEqual(countTap(tap), { passed: 2, failed: 2 });
});

test('countTap treats a report without a summary as a failure', () => {
  assert.deepEqual(countTap('TAP version 13\n'), { passed: 0, failed: 1 });
});

test('countVitest adds files that failed to load to the failed tests', () => {
  const json = {
    numPassedTests: 5,
    numFailedTests: 1,
    testResults: [
      { status: 'failed', assertionResults: [{ status: 'failed' }, { status: 'passed' }] },
      { status: 'failed', assertionResults: [] },
      { status: 'passed', assertionResults: [{ status: 'passed' }] },
    ],
  };
  assert.deepEqual(countVitest(json), { passed: 5, failed: 2 });
});
