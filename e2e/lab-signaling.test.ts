/**
 * The signaling server (one node, rooms in redis) is SIGKILLed mid-call and started again:
 * media keeps flowing between the participants the whole time; once the node is back they
 * resume with their ids, and joining, chat and screen share work again.
 */
import { after, before, describe, test } from 'node:test';
import { LabCall } from '@meshmeet/testkit/lab';
import { serverLossJourney } from './lab-signaling-loss.js';

describe('lab: the signaling server dies mid-call', { timeout: 240_000 }, () => {
  let call: LabCall;
  before(async () => {
    call = await LabCall.start({ redis: true });
  });
  after(async () => {
    await call?.close();
  });

  test('one node killed and started again: media flows, ids resume, signaling works', async (t) => {
    const node = call.nodes[0]!;
    await serverLossJourney(
      t,
      call,
      () => node.kill(),
      () => node.restart(),
    );
  });
});
