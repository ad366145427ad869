/**
 * Bots against the real server: they join through the documented protocol, connect to
 * each other with werift and deliver the prerecorded clip's VP8 and Opus packets; a bot
 * that leaves is dropped by the others. Runs on loopback only (werift is told to use
 * 127.0.0.1; `npm test` runs Vitest inside a loopback-only network namespace).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type ServerHandle } from '@meshmeet/testkit/services';
import { scaled, waitFor } from '@meshmeet/testkit';
import { Bot, ClipPlayer, ensureClip, hasFfmpeg } from '../src/index.js';

describe.skipIf(!hasFfmpeg())('bots', { timeout: scaled(120_000) }, () => {
  let server: ServerHandle;
  let player: ClipPlayer;
  const bots: Bot[] = [];
  const errors: unknown[] = [];

  beforeAll(async () => {
    [server, player] = await Promise.all([startServer(), ClipPlayer.start(ensureClip())]);
  }, scaled(120_000));
  afterAll(async () => {
    await Promise.all(bots.map((b) => b.leave()));
    player?.stop();
    await server?.stop();
  });

  const join = async (nick: string, room: string) => {
    const bot = await Bot.join({ server: server.url, room, nick, player, onError: (e) => errors.push(e) });
    bots.push(bot);
    return bot;
  };

  /** Waits until `a` has received video and audio from `b` growing over time. */
  const flowing = (a: Bot, b: Bot) =>
    waitFor(
      `${a.id} receiving media from ${b.id}`,
      () => {
        const r = a.received(b.id);
        // ~15 video frames and 50 audio packets a second: a couple of seconds' worth.
        return r !== null && r.videoPackets > 30 && r.audioPackets > 100;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );

  it('three bots in one room all receive video and audio from each other, and forget one that leaves', async () => {
    const room = `bots-${Date.now().toString(36)}`;
    const a = await join('A', room);
    const b = await join('B', room);
    const c = await join('C', room);
    for (const [x, y] of [[a, b], [b, a], [a, c], [c, a], [b, c], [c, b]] as const) await flowing(x, y);
    expect(a.connectionState(b.id)).toBe('connected');
    expect(player.received.video).toBeGreaterThan(0);

    await c.leave();
    bots.splice(bots.indexOf(c), 1);
    await waitFor('C gone from A and B', () => !a.peers().includes(c.id) && !b.peers().includes(c.id), { timeoutMs: 10_000 });
    // A and B keep receiving from each other after C left.
    const before = a.received(b.id)!.videoPackets;
    await waitFor('A still receiving from B', () => a.received(b.id)!.videoPackets > before + 10, { timeoutMs: 10_000 });
    expect(errors).toEqual([]);
  });
});
