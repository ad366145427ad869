import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ErrorCode, type ChatMessage, type JoinResult, type PeerLeft } from '@meshmeet/protocol';
import { clientsClosedAfterEach, record, request, requestOk, startNode, uniquePrefix, waitFor, type Client, type TestNode } from './helpers.js';

const { client, joined } = clientsClosedAfterEach();

describe('resume on another node', () => {
  let n1: TestNode;
  let n2: TestNode;
  beforeAll(async () => {
    const shared = { redisUrl: inject('redisUrl'), redisPrefix: uniquePrefix(), resumeGraceMs: 5000 };
    n1 = await startNode(shared);
    n2 = await startNode(shared);
  });
  afterAll(async () => {
    await n2.close();
    await n1.close();
  });

  /**
   * A joins on n1 and B on n2; A's client then resumes on n2 while A's first connection
   * stays open: n1 is made to sit on the close that n2 sends it (as when that message is
   * slow), so the old connection is still there to misbehave.
   */
  async function staleConnection(room: string): Promise<{ stale: Client; fresh: Client; a: JoinResult; b: { c: Client; r: JoinResult } }> {
    const a = await joined(n1, room, 'A');
    const b = await joined(n2, room, 'B');
    const onN1 = n1.io.sockets.sockets.get(a.c.id!)!;
    const realDisconnect = onN1.disconnect.bind(onN1);
    let closeArrived = false;
    onN1.disconnect = (() => {
      closeArrived = true;
      return onN1;
    }) as typeof onN1.disconnect;
    const fresh = await client(n2);
    expect(await requestOk<JoinResult>(fresh, 'room:join', { resumeToken: a.r.resumeToken })).toMatchObject({ resumed: true, self: { id: a.r.self.id } });
    await waitFor("n2's close order to reach n1", () => closeArrived);
    onN1.disconnect = realDisconnect;
    expect(a.c.connected).toBe(true);
    return { stale: a.c, fresh, a: a.r, b };
  }

  const attempts: [string, (s: Client, b: JoinResult) => Promise<unknown>][] = [
    ['chat:send', (s) => request(s, 'chat:send', { text: 'from a ghost' })],
    ['signal', (s, b) => request(s, 'signal', { to: b.self.id, data: { candidate: null } })],
    ['peer:update', (s) => request(s, 'peer:update', { mic: true })],
  ];
  for (const [event, act] of attempts) {
    it(`the old connection's ${event} is refused SESSION_REPLACED and the connection is closed; the member stays with the new one`, async () => {
      const { stale, fresh, a, b } = await staleConnection(`stale-${event.replace(':', '-')}`);
      const chatAtB: ChatMessage[] = record(b.c, 'chat:message');
      const signalsAtB = record(b.c, 'signal');
      const updatesAtB = record(b.c, 'peer:updated');
      const closed = new Promise<string>((r) => stale.once('disconnect', r));
      expect(await act(stale, b.r)).toMatchObject({ ok: false, error: { code: ErrorCode.SESSION_REPLACED } });
      expect(await closed).toBe('io server disconnect');
      // Nothing of the ghost reached the room; the member is still the new connection's.
      expect(await n1.store.getMember(`stale-${event.replace(':', '-')}`, a.self.id)).toMatchObject({ socketId: fresh.id });
      expect(await request(fresh, 'chat:send', { text: 'still here' })).toMatchObject({ ok: true });
      await waitFor('the real chat message', () => chatAtB.some((m) => m.text === 'still here'));
      expect(chatAtB.map((m) => m.text)).toEqual(['still here']);
      expect(signalsAtB).toEqual([]);
      expect(updatesAtB).toEqual([]);
    });
  }

  it('a resume whose answer was lost is retried with the same token and keeps the place; the lost token is dead', async () => {
    const a = await joined(n1, 'lost-answer', 'A');
    const b = await joined(n2, 'lost-answer', 'B');
    const leftAtB: PeerLeft[] = record(b.c, 'peer:left');
    a.c.close();
    // The client resumes on n2, but the connection drops before it reads the answer.
    const second = await client(n2);
    const lostAnswer = await requestOk<JoinResult>(second, 'room:join', { resumeToken: a.r.resumeToken });
    second.close();
    // It retries, with the only token it has, on n1 this time.
    const third = await client(n1);
    const retried = await request<JoinResult>(third, 'room:join', { resumeToken: a.r.resumeToken });
    expect(retried).toMatchObject({ ok: true, data: { resumed: true, self: { id: a.r.self.id }, members: [b.r.self] } });
    expect(await n1.store.getMember('lost-answer', a.r.self.id)).toMatchObject({ socketId: third.id });
    // The token the lost answer carried never reached the client: it opens nothing.
    const fourth = await client(n2);
    expect(await request(fourth, 'room:join', { resumeToken: lostAnswer.resumeToken })).toMatchObject({ ok: false, error: { code: ErrorCode.RESUME_FAILED } });
    // The peer never saw A leave.
    expect(await request(third, 'signal', { to: b.r.self.id, data: { n: 1 } })).toEqual({ ok: true, data: null });
    expect(leftAtB).toEqual([]);
  });
});
