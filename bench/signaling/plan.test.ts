import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { planRooms } from './cluster.js';
import { percentile, summarize } from './stats.js';
import { formatTable } from '../lib/results.js';

/** Unit checks of the bench's bookkeeping: `node --import tsx --test bench/signaling/plan.test.ts`. */
describe('planRooms', () => {
  it('deals whole rooms to workers and covers every participant exactly once', () => {
    const plans = planRooms('r', 2002, 4, 1, 3);
    const rooms = plans.flat();
    assert.equal(rooms.length, 501);
    assert.equal(rooms.reduce((n, r) => n + r.nodes.length, 0), 2002);
    assert.equal(new Set(rooms.map((r) => r.name)).size, 501, 'room names are unique');
    assert.equal(rooms.filter((r) => r.nodes.length === 2).length, 1, 'the remainder forms one smaller room');
    assert.equal(rooms.filter((r) => r.nodes.length === 4).length, 500);
    // Round-robin: worker loads differ by at most one room.
    const sizes = plans.map((p) => p.length);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1);
  });

  it('splits each room across two nodes so relays cross nodes', () => {
    for (const room of planRooms('r', 400, 4, 2, 2).flat()) {
      assert.equal(room.nodes.filter((n) => n === 0).length, 2);
      assert.equal(room.nodes.filter((n) => n === 1).length, 2);
    }
  });

  it('keeps names distinct across batches via the offset', () => {
    const a = planRooms('m', 100, 4, 1, 2).flat().map((r) => r.name);
    const b = planRooms('m', 100, 4, 1, 2, 25).flat().map((r) => r.name);
    assert.equal(new Set([...a, ...b]).size, 50);
  });
});

describe('latency statistics', () => {
  it('uses nearest-rank percentiles', () => {
    const sorted = Float64Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(sorted, 50), 50);
    assert.equal(percentile(sorted, 99), 99);
    assert.equal(percentile(sorted, 100), 100);
    assert.ok(Number.isNaN(percentile([], 50)));
  });

  it('summarizes unsorted samples without mutating them', () => {
    const samples = [5, 1, 4, 2, 3];
    const s = summarize(samples);
    assert.deepEqual([s.count, s.p50, s.max, s.mean], [5, 3, 5, 3]);
    assert.deepEqual(samples, [5, 1, 4, 2, 3]);
  });
});

describe('formatTable', () => {
  it('prints PASS/MISS, n/a for unmeasured values, and notes under the table', () => {
    const out = formatTable([
      {
        name: 'x',
        rows: [
          { metric: 'p99', value: 4.5678, unit: 'ms', target: '<= 5', pass: true },
          { metric: 'rss', value: null, unit: 'MB', target: '<= 400', pass: false, note: 'server did not start' },
        ],
      },
    ]);
    assert.match(out, /p99\s+4\.57\s+ms\s+<= 5\s+PASS/);
    assert.match(out, /rss\s+n\/a\s+MB\s+<= 400\s+MISS/);
    assert.match(out, /Notes:\n {2}- \[x\] rss: server did not start/);
  });
});
