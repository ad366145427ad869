/**
 * Two meshmeet nodes behind nginx (rooms in redis); the node holding the call's sockets is
 * SIGKILLed mid-call: the participants move to the surviving node with their ids, media
 * never stops, and joining, chat and screen share work again.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LabCall } from '@meshmeet/testkit/lab';
import { serverLossJourney, socketCount } from './lab-signaling-loss.js';

describe('lab: one of two nodes behind nginx dies', { timeout: 240_000 }, () => {
  let call: LabCall;
  before(async () => {
    call = await LabCall.start({ nodes: 2 });
  });
  after(async () => {
    await call?.close();
  });

  test('people move to the surviving node with their ids', async (t) => {
    await serverLossJourney(t, call, async () => {
      // Kill the node holding most of the call's sockets (nginx hashes client addresses).
      const counts = await Promise.all(call.nodes.map((n) => socketCount(call, n)));
      const victim = call.nodes[counts[1]! > counts[0]! ? 1 : 0]!;
      t.diagnostic(`sockets per node ${JSON.stringify(counts)}: killing :${victim.port}`);
      assert.ok(Math.max(...counts) > 0, 'no node holds a socket of the call');
      await victim.kill();
    });
  });
});
