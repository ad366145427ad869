/**
 * People compare security codes: each remote row of the People panel shows a code made
 * from the DTLS certificate fingerprints of that pair. Both ends of a pair must see the
 * same code, different pairs must see different codes, and the code must come from the
 * certificates the two browsers really use. People with the same name are told apart.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { createFixture, uniqueRoom, type Fixture } from './support/fixture.js';
import { CALL_TIMEOUT_MS, joinRoom, selfId, waitForRemoteTiles } from './support/call.js';
import { waitFor } from './support/processes.js';
import { sdpFingerprints, securityCode } from '../apps/web/src/media/security-code.js';

const CODE_FORMAT = /^\d{5} \d{5} \d{5} \d{5}$/;

/** Opens the People panel (once) and waits for the sentence that explains the codes. */
async function openPeople(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'People', exact: true }).click({ timeout: CALL_TIMEOUT_MS });
  await page.getByTestId('security-explain').waitFor({ state: 'visible', timeout: CALL_TIMEOUT_MS });
}

/** The security code `page` shows in the People-panel row of `peerId`, once there is one. */
async function shownCode(page: Page, peerId: string): Promise<string> {
  const code = page.locator(`li[data-peer-id="${peerId}"] [data-testid="security-code"]`);
  await code.waitFor({ state: 'visible', timeout: CALL_TIMEOUT_MS });
  return (await code.innerText()).trim();
}

/** The name `page` shows in the People-panel row of `peerId`. */
async function shownName(page: Page, peerId: string): Promise<string> {
  return (await page.locator(`li[data-peer-id="${peerId}"] [data-testid="person-name"]`).innerText()).trim();
}

/** The code computed here, in Node, from the fingerprints in the page's own SDPs for `peerId`. */
async function codeFromPageSdp(page: Page, peerId: string): Promise<string> {
  const sdp = await waitFor(`SDPs of the connection to ${peerId}`, () =>
    page.evaluate((id) => {
      const pc = (window as unknown as { __meshmeet: { peerConnections(): Map<string, RTCPeerConnection> } }).__meshmeet
        .peerConnections()
        .get(id);
      const local = pc?.localDescription?.sdp;
      const remote = pc?.remoteDescription?.sdp;
      return local && remote ? { local, remote } : null;
    }, peerId),
  );
  return securityCode({ local: sdpFingerprints(sdp.local), remote: sdpFingerprints(sdp.remote) });
}

describe('security codes', { timeout: 150_000 }, () => {
  let fx: Fixture;
  before(async () => {
    fx = await createFixture();
  });
  after(async () => {
    await fx?.close();
  });

  test('two people see the same code; with three, every pair has its own', async () => {
    const room = uniqueRoom('code');
    const ana = await fx.open('Ana');
    const ben = await fx.open('Ben');

    await joinRoom(ana.page, { room, nick: 'Ana' });
    await joinRoom(ben.page, { room, nick: 'Ben' });
    const anaId = await selfId(ana.page);
    const benId = await selfId(ben.page);
    await openPeople(ana.page);
    await openPeople(ben.page);

    // The pair compares codes: Ana reads Ben's row, Ben reads Ana's row.
    const abAtAna = await shownCode(ana.page, benId);
    const abAtBen = await shownCode(ben.page, anaId);
    assert.match(abAtAna, CODE_FORMAT);
    assert.equal(abAtBen, abAtAna, 'Ana and Ben see different codes for their own pair');
    // Derived from the certificates in this very connection, not from anything shared.
    assert.equal(await codeFromPageSdp(ana.page, benId), abAtAna, "Ana's code is not the one of her connection's fingerprints");
    assert.equal(await codeFromPageSdp(ben.page, anaId), abAtBen, "Ben's code is not the one of his connection's fingerprints");

    // The third person picks the same name as the first, as happens in real rooms.
    const ana2 = await fx.open('Ana');
    await joinRoom(ana2.page, { room, nick: 'Ana' });
    const ana2Id = await selfId(ana2.page);
    for (const p of [ana, ben, ana2]) await waitForRemoteTiles(p.page, 2);
    await openPeople(ana2.page);

    const acAtAna = await shownCode(ana.page, ana2Id);
    const acAtAna2 = await shownCode(ana2.page, anaId);
    const bcAtBen = await shownCode(ben.page, ana2Id);
    const bcAtAna2 = await shownCode(ana2.page, benId);
    assert.equal(acAtAna2, acAtAna, 'the two Anas see different codes for their pair');
    assert.equal(bcAtAna2, bcAtBen, 'Ben and the second Ana see different codes for their pair');
    assert.equal(new Set([abAtAna, acAtAna, bcAtBen]).size, 3, `pairs share a code: ${abAtAna} / ${acAtAna} / ${bcAtBen}`);
    // The first pair's code did not change when a third person came.
    assert.equal(await shownCode(ben.page, anaId), abAtAna);

    // Ben sees two people called Ana: each is tagged with the start of their own id.
    const anaLabel = await shownName(ben.page, anaId);
    const ana2Label = await shownName(ben.page, ana2Id);
    assert.notEqual(anaLabel, ana2Label, 'two people named Ana look the same in the People panel');
    assert.match(anaLabel, new RegExp(`^Ana #${anaId.slice(0, 4)}`));
    assert.match(ana2Label, new RegExp(`^Ana #${ana2Id.slice(0, 4)}`));
    assert.equal(await shownName(ana.page, benId), 'Ben', 'a unique name got a tag');
  });
});
