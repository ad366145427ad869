/**
 * Two server nodes sharing one Redis: a participant on node A and one on node B are in the
 * same room, see each other's tile and decode each other's video — the whole product path
 * (membership, targeted signal relay through the Redis adapter) across processes. Then the
 * Redis under a call between the two nodes is stopped for 20 s and started again: media
 * between the browsers never stops, nobody is removed, and signaling works again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { redisCommand } from '@meshmeet/testkit';
import { launchBrowser, openParticipant, closeAll, type Participant } from './support/browser.js';
import { startRedis, startServer, type RedisHandle, type ServerHandle } from './support/services.js';
import { joinRoom, selfId, tileHasMark, waitForAudioPackets, waitForDecodedVideo, waitForRemoteTiles } from './support/call.js';
import { uniqueRoom } from './support/fixture.js';
import { waitFor } from './support/processes.js';
import { longestStall, readMonitor, startMonitor, type Sample } from '@meshmeet/testkit/lab';
import { sendChat, waitForChat } from './support/ui.js';

/** How long Redis stays stopped: longer than the nodes' NODE_DEAD_AFTER_MS (15 s by default). */
const OUTAGE_MS = 20_000;
/** The longest a remote video may stop decoding during the outage. */
const MAX_VIDEO_GAP_MS = 2000;

describe('two nodes on Redis', { timeout: 300_000 }, () => {
  // Redis keeps its data on disk across the restart, as a production Redis with persistence does.
  const redisDir = mkdtempSync(join(tmpdir(), 'meshmeet-e2e-redis-'));
  let redis: RedisHandle | undefined;
  const nodes: ServerHandle[] = [];
  let browser: Browser | undefined;
  const people: Participant[] = [];
  before(async () => {
    redis = await startRedis({ extraArgs: ['--dir', redisDir] });
    const [n1, n2, b] = await Promise.all([startServer({ redisUrl: redis.url }), startServer({ redisUrl: redis.url }), launchBrowser()]);
    nodes.push(n1, n2);
    browser = b;
  });
  // Pages left in a call keep encoding and would starve the next test on two cores.
  afterEach(async () => {
    await closeAll(people.splice(0));
  });
  after(async () => {
    await closeAll(people);
    await browser?.close().catch(() => undefined);
    for (const n of nodes) await n.stop();
    await redis?.stop();
    rmSync(redisDir, { recursive: true, force: true });
  });

  /** One person on each node in a fresh room, decoding each other's video. */
  async function callAcrossNodes(prefix: string): Promise<{ a: Participant; b: Participant; aId: string; bId: string; room: string }> {
    const room = uniqueRoom(prefix);
    const [a, b] = await Promise.all([openParticipant(browser!, `${nodes[0]!.url}/?debug=1`, 'OnA'), openParticipant(browser!, `${nodes[1]!.url}/?debug=1`, 'OnB')]);
    people.push(a, b);
    await joinRoom(a.page, { room, nick: 'OnA' });
    await joinRoom(b.page, { room, nick: 'OnB' });
    const aId = await selfId(a.page);
    const bId = await selfId(b.page);
    assert.deepEqual(await waitForRemoteTiles(a.page, 1), [bId]);
    assert.deepEqual(await waitForRemoteTiles(b.page, 1), [aId]);
    await Promise.all([waitForDecodedVideo(a.page, bId), waitForDecodedVideo(b.page, aId)]);
    return { a, b, aId, bId, room };
  }

  async function userlist(node: ServerHandle, room: string): Promise<string[]> {
    const list = (await (await fetch(`${node.url}/userlist?room=${encodeURIComponent(room)}`)).json()) as { id: string }[];
    return list.map((m) => m.id).sort();
  }

  async function readyz(node: ServerHandle): Promise<number> {
    return (await fetch(`${node.url}/readyz`).catch(() => null))?.status ?? 0;
  }

  test('participants on different nodes call each other', async () => {
    const { a, b, aId, bId, room } = await callAcrossNodes('nodes');
    await Promise.all([waitForAudioPackets(a.page, bId), waitForAudioPackets(b.page, aId)]);
    // Both nodes list both members (the room lives in Redis, not in either process).
    for (const n of nodes) assert.deepEqual(await userlist(n, room), [aId, bId].sort(), `${n.url} lists the wrong members`);
  });

  test('Redis stopped for 20 s mid-call: video never stops, nobody is removed, signaling works again', async (t) => {
    const { a, b, aId, bId, room } = await callAcrossNodes('outage');
    const directions = [
      { who: 'OnA ← OnB', page: a.page, peer: bId },
      { who: 'OnB ← OnA', page: b.page, peer: aId },
    ];
    await Promise.all([startMonitor(a.page, 250), startMonitor(b.page, 250)]);
    /** Fails as soon as a remote video has stopped for too long since `from`, or a tile went away. */
    const checkMedia = async (from: number, to: number, stage: string) => {
      for (const d of directions) {
        const samples: Sample[] = await readMonitor(d.page);
        const video = longestStall(samples, d.peer, 'framesDecoded', from, to);
        assert.ok(video.stallMs <= MAX_VIDEO_GAP_MS, `${d.who} ${stage}: video stopped for ${video.stallMs} ms (samples ${video.samples}, widest spacing ${video.maxSpacingMs} ms)`);
        const gone = samples.filter((s) => s.t >= from && !s.tiles.includes(d.peer));
        assert.equal(gone.length, 0, `${d.who} ${stage}: the other's tile went away`);
      }
    };

    // Redis stops, saving its data; both nodes notice (not ready) while the call goes on.
    const port = redis!.port;
    const downAt = Date.now();
    await redisCommand('127.0.0.1', port, 'SHUTDOWN SAVE');
    await waitFor('redis-server to exit', () => redis!.proc.child.exitCode !== null || redis!.proc.child.signalCode !== null);
    for (const n of nodes) await waitFor(`${n.url} to report Redis down`, async () => (await readyz(n)) === 503);
    // The outage lasts OUTAGE_MS; the pages' timelines are checked every second meanwhile,
    // so a stop fails the test when it happens.
    while (Date.now() - downAt < OUTAGE_MS) {
      await checkMedia(downAt, Date.now(), 'during the outage');
      await new Promise((r) => setTimeout(r, 1000));
    }
    redis = await startRedis({ port, extraArgs: ['--dir', redisDir] });
    const upAt = Date.now();
    for (const n of nodes) await waitFor(`${n.url} ready again`, async () => (await readyz(n)) === 200, { timeoutMs: 30_000 });

    for (const d of directions) {
      const video = longestStall(await readMonitor(d.page), d.peer, 'framesDecoded', downAt, upAt);
      t.diagnostic(`${d.who}: longest video gap ${video.stallMs} ms over the ${upAt - downAt} ms outage (${video.samples} samples, ${video.growth} frames)`);
      assert.ok(video.samples >= OUTAGE_MS / 1500, `${d.who}: too few samples of the outage to judge (${video.samples})`);
      assert.ok(video.growth >= (OUTAGE_MS / 1000) * 5, `${d.who}: only ${video.growth} frames decoded during the outage`);
    }
    await checkMedia(downAt, Date.now(), 'from the outage until both nodes were ready');
    // Nobody was removed: same ids, both still members on both nodes.
    assert.equal(await selfId(a.page), aId);
    assert.equal(await selfId(b.page), bId);
    for (const n of nodes) assert.deepEqual(await userlist(n, room), [aId, bId].sort(), `${n.url} lists the wrong members after the outage`);

    // Signaling works again across the nodes: a mute mark and a chat message arrive.
    await a.page.getByRole('button', { name: 'Mute microphone', exact: true }).click();
    await waitFor("OnB to see OnA's microphone off", () => tileHasMark(b.page, aId, 'Microphone off'), { timeoutMs: 30_000 });
    await sendChat(b.page, 'still here after the Redis outage');
    await waitForChat(a.page, 'still here after the Redis outage');
    await checkMedia(downAt, Date.now(), 'by the end');
  });
});
