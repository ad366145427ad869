import { test } from 'node:test';
import assert from 'node:assert/strict';
import { percentile } from './first-frame.js';

test('percentile uses nearest rank', () => {
  const v = Array.from({ length: 20 }, (_, i) => i + 1); // 1..20
  assert.equal(percentile(v, 50), 10);
  assert.equal(percentile(v, 95), 19);
  assert.equal(percentile(v, 100), 20);
  assert.equal(percentile([], 50), null);
  assert.equal(percentile([7], 95), 7);
});
