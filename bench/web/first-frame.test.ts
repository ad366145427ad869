import { test } from 'node:test';
import assert from 'node:assert/strict';
import { percentile, percentileCountingFailures } from './first-frame.js';

test('percentile uses nearest rank', () => {
  const v = Array.from({ length: 20 }, (_, i) => i + 1); // 1..20
  assert.equal(percentile(v, 50), 10);
  assert.equal(percentile(v, 95), 19);
  assert.equal(percentile(v, 100), 20);
  assert.equal(percentile([], 50), null);
  assert.equal(percentile([7], 95), 7);
});

test('timed-out trials rank last instead of dropping out of the percentiles', () => {
  const v = Array.from({ length: 18 }, (_, i) => i + 1); // 18 finished trials + 2 timed out
  assert.equal(percentileCountingFailures(v, 2, 50), 10);
  assert.equal(percentileCountingFailures(v, 2, 95), Infinity);
  assert.equal(percentile(v, 95), 18, 'without counting failures the p95 would look finite');
  assert.equal(percentileCountingFailures([], 3, 50), Infinity);
  assert.equal(percentileCountingFailures([], 0, 50), null);
});
