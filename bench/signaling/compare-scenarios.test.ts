import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ResultRow } from '../lib/results.js';
import { compareTargets, targetBound } from './compare-scenarios.js';

/** Unit checks of the whole-scenario comparison: `node --import tsx --test bench/signaling/compare-scenarios.test.ts`. */
const row = (metric: string, value: number, target: string, pass: boolean): ResultRow => ({ metric, value, unit: 'ms', target, pass });

describe('targetBound', () => {
  it('reads upper bounds and zero targets as "at or under", lower bounds as "at or over"', () => {
    assert.deepEqual(targetBound('<= 5'), { dir: 'low', bound: 5 });
    assert.deepEqual(targetBound('0'), { dir: 'low', bound: 0 });
    assert.deepEqual(targetBound('>= 1000'), { dir: 'high', bound: 1000 });
    assert.equal(targetBound('runs'), null);
  });
});

describe('compareTargets', () => {
  const p99 = 'relay p99 @ 5000/s';
  const rate = 'joins achieved';
  const lost = 'relays lost';
  const byBuild = new Map<string, ResultRow[][]>([
    [
      'current',
      [
        [row(p99, 12, '<= 5', false), row(rate, 1150, '>= 1000', true), row(lost, 0, '0', true)],
        [row(p99, 30, '<= 5', false), row(rate, 1190, '>= 1000', true), row(lost, 0, '0', true)],
        [row(p99, 14, '<= 5', false), row(rate, 1200, '>= 1000', true), row(lost, 1, '0', false)],
      ],
    ],
    [
      'baseline abc',
      [
        [row(p99, 20, '<= 5', false), row(rate, 1200, '>= 1000', true), row(lost, 0, '0', true)],
        [row(p99, 4, '<= 5', true), row(rate, 1200, '>= 1000', true), row(lost, 0, '0', true)],
        [row(p99, 25, '<= 5', false), row(rate, 1200, '>= 1000', true), row(lost, 0, '0', true)],
      ],
    ],
  ]);
  const out = compareTargets('memory, 1 node', ['current', 'baseline abc'], byBuild);
  const find = (m: string): ResultRow => out.find((r) => r.metric.startsWith(m))!;

  it('a target both builds miss is not worse when the current median is lower', () => {
    const r = find(p99);
    assert.equal(r.value, '14 / 20');
    assert.equal(r.pass, true);
    assert.match(r.note!, /target met in 0 of 3 rounds \(current\), 1 of 3 rounds \(baseline abc\); ratio 0\.7/);
  });

  it('a lower bound within the tolerance is not worse', () => {
    assert.equal(find(rate).pass, true, '1190 against 1200 is within 10 %');
  });

  it('a median that leaves zero is worse, whatever the tolerance', () => {
    const more = new Map(byBuild);
    more.set('current', byBuild.get('current')!.map((rows) => rows.map((r) => (r.metric === lost ? { ...r, value: 2 } : r))));
    const r = compareTargets('memory, 1 node', ['current', 'baseline abc'], more).find((x) => x.metric.startsWith(lost))!;
    assert.equal(r.pass, false);
    assert.equal(find(lost).pass, true, 'a median of zero (one round lost one) equals the baseline');
  });

  it('a target the current build meets is not worse, however far the baseline is ahead', () => {
    const met = new Map(byBuild);
    met.set('current', byBuild.get('current')!.map((rows) => rows.map((r) => (r.metric === p99 ? { ...r, value: 4.5 } : r))));
    met.set('baseline abc', byBuild.get('baseline abc')!.map((rows) => rows.map((r) => (r.metric === p99 ? { ...r, value: 1 } : r))));
    const r = compareTargets('memory, 1 node', ['current', 'baseline abc'], met).find((x) => x.metric.startsWith(p99))!;
    assert.equal(r.pass, true);
  });

  it('a missed target worse by more than the tolerance fails', () => {
    const worse = new Map(byBuild);
    worse.set('current', byBuild.get('current')!.map((rows) => rows.map((r) => (r.metric === p99 ? { ...r, value: 30 } : r))));
    const r = compareTargets('memory, 1 node', ['current', 'baseline abc'], worse).find((x) => x.metric.startsWith(p99))!;
    assert.equal(r.pass, false);
    assert.match(r.note!, /ratio 1\.5/);
  });

  it('against a reference (judge off) gives figures and ratio but no verdict', () => {
    const rows = compareTargets('memory, 1 node', ['current', 'socket.io floor'], new Map([
      ['current', byBuild.get('current')!],
      ['socket.io floor', byBuild.get('baseline abc')!],
    ]), false);
    const r = rows.find((x) => x.metric.startsWith(p99))!;
    assert.equal(r.value, '14 / 20');
    assert.equal(r.target, 'reference (target <= 5)');
    assert.equal('pass' in r, false, 'no pass or fail against a reference');
    assert.match(r.note!, /ratio 0\.7/);
    assert.ok(rows.every((x) => !('pass' in x)));
  });
});
