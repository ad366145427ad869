/**
 * Two server nodes sharing one Redis: a participant on node A and one on node B are in the
 * same room, see each other's tile and decode each other's video — the whole product path
 * (membership, targeted signal relay through the Redis adapter) across processes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { launchBrowser, openParticipant, closeAll, type Participant } from './support/browser.js';
import { startRedis, startServer, type RedisHandle, type ServerHandle } from './support/services.js';
import { joinRoom, selfId, waitForAudioPackets, waitForDecodedVideo, waitForRemoteTiles } from './support/call.js';
import { uniqueRoom } from './support/fixture.js';

describe('two nodes on Redis', { timeout: 150_000 }, () => {
  let redis: RedisHandle | undefined;
  const nodes: ServerHandle[] = [];
  let browser: Browser | undefined;
  const people: Participant[] = [];
  before(async () => {
    redis = await startRedis();
    nodes.push(await startServer({ redisUrl: redis.url }));
    nodes.push(await startServer({ redisUrl: redis.url }));
    browser = await launchBrowser();
  });
  after(async () => {
    await closeAll(people);
    await browser?.close().catch(() => undefined);
    for (const n of nodes) await n.stop();
    await redis?.stop();
  });

  test('participants on different nodes call each other', async () => {
    const room = uniqueRoom('nodes');
    const a = await openParticipant(browser!, `${nodes[0]!.url}/?debug=1`, 'OnA');
    const b = await openParticipant(browser!, `${nodes[1]!.url}/?debug=1`, 'OnB');
    people.push(a, b);
    await joinRoom(a.page, { room, nick: 'OnA' });
    await joinRoom(b.page, { room, nick: 'OnB' });
    const aId = await selfId(a.page);
    const bId = await selfId(b.page);
    assert.deepEqual(await waitForRemoteTiles(a.page, 1), [bId]);
    assert.deepEqual(await waitForRemoteTiles(b.page, 1), [aId]);
    await Promise.all([
      waitForDecodedVideo(a.page, bId),
      waitForDecodedVideo(b.page, aId),
      waitForAudioPackets(a.page, bId),
      waitForAudioPackets(b.page, aId),
    ]);
    // Both nodes list both members (the room lives in Redis, not in either process).
    for (const n of nodes) {
      const list = (await (await fetch(`${n.url}/userlist?room=${encodeURIComponent(room)}`)).json()) as { id: string }[];
      assert.deepEqual(list.map((m) => m.id).sort(), [aId, bId].sort(), `${n.url} lists ${JSON.stringify(list)}`);
    }
  });
});
