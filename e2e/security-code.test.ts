/**
 * Trust in the call UI. People compare security codes: each remote row of the People panel
 * shows a code made from the DTLS certificate fingerprints of that pair. Both ends of a pair
 * must see the same code, different pairs must see different codes, and the code must come
 * from the certificates the two browsers really use. People with the same name are told
 * apart. The call header says whether the room has a password, and a password given for an
 * open room is refused with what to do.
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { createFixture, uniqueRoom, type Fixture } from './support/fixture.js';
import { scaled } from '@meshmeet/testkit';
import { CALL_TIMEOUT_MS, joinRoom, selfId, waitForRemoteTiles } from './support/call.js';
import { waitFor } from './support/processes.js';
import { sdpFingerprints, securityCode } from '../apps/web/src/media/security-code.js';

const CODE_FORMAT = /^\d{5} \d{5} \d{5} \d{5}$/;
/** Bound of each wait in the call, stretched by how loaded the machine is right now. */
const CALL_WAIT_MS = scaled(CALL_TIMEOUT_MS);

/**
 * Opens the People panel (once) and waits for the sentence that explains the codes. The
 * click is dispatched as a DOM event: a synthesized mouse click waits for the renderer to
 * acknowledge input, which took 10–30 s mid-call on the loaded, shared test machine.
 */
async function openPeople(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'People', exact: true }).dispatchEvent('click', undefined, { timeout: CALL_WAIT_MS });
  await page.getByTestId('security-explain').waitFor({ state: 'visible', timeout: CALL_WAIT_MS });
}

/**
 * Joins with camera and microphone off (chosen in the lobby): a security code needs only the
 * DTLS connection, and three encoding pages would starve the shared test machine.
 */
async function joinQuietly(page: Page, room: string, nick: string, password?: string): Promise<void> {
  await page.getByRole('button', { name: 'Turn camera off', exact: true }).click({ timeout: CALL_WAIT_MS });
  await page.getByRole('button', { name: 'Turn camera on', exact: true }).waitFor({ timeout: CALL_WAIT_MS });
  await page.getByRole('button', { name: 'Mute microphone', exact: true }).click({ timeout: CALL_WAIT_MS });
  await page.getByRole('button', { name: 'Unmute microphone', exact: true }).waitFor({ timeout: CALL_WAIT_MS });
  if (password !== undefined) await page.getByLabel('Password', { exact: true }).fill(password);
  await joinRoom(page, { room, nick });
}

/** The security code `page` shows in the People-panel row of `peerId`, once there is one. */
async function shownCode(page: Page, peerId: string): Promise<string> {
  const code = page.locator(`li[data-peer-id="${peerId}"] [data-testid="security-code"]`);
  try {
    await code.waitFor({ state: 'visible', timeout: CALL_WAIT_MS });
  } catch (err) {
    // Say what the page had instead: the row (or none) and the connection's state.
    const seen = await page.evaluate((id) => {
      const pc = (window as unknown as { __meshmeet: { peerConnections(): Map<string, RTCPeerConnection> } }).__meshmeet
        .peerConnections()
        .get(id);
      const row = document.querySelector(`li[data-peer-id="${id}"]`) as HTMLElement | null;
      return { row: row?.innerText ?? null, connectionState: pc?.connectionState ?? null };
    }, peerId);
    throw new Error(`${(err as Error).message}; the page showed ${JSON.stringify(seen)}`);
  }
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

describe('security codes and room protection', { timeout: scaled(180_000) }, () => {
  let fx: Fixture;
  before(async () => {
    fx = await createFixture();
  });
  afterEach(() => fx?.closeParticipants());
  after(async () => {
    await fx?.close();
  });

  test('two people see the same code; with three, every pair has its own', async () => {
    const room = uniqueRoom('code');
    // Each page opens right before its person joins: the lobby connects to the server at
    // once, and the server closes connections that stay in no room for JOIN_DEADLINE_MS.
    const ana = await fx.open('Ana');

    await joinQuietly(ana.page, room, 'Ana');
    const ben = await fx.open('Ben');
    await joinQuietly(ben.page, room, 'Ben');
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

    // The third person picks the same name as the first.
    const ana2 = await fx.open('Ana');
    await joinQuietly(ana2.page, room, 'Ana');
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
    for (const p of [ana, ben, ana2]) await p.context.close();
  });

  test('the call header says whether the room has a password; a password for an open room is refused with what to do', async () => {
    const openRoom = uniqueRoom('open');
    const privateRoom = uniqueRoom('private');
    const ola = await fx.open('Ola');
    await joinQuietly(ola.page, openRoom, 'Ola');
    const pia = await fx.open('Pia');
    const olaBadge = ola.page.getByTestId('room-protection');
    await olaBadge.waitFor({ timeout: CALL_WAIT_MS });
    assert.equal(await olaBadge.getAttribute('data-protected'), 'false');
    assert.equal(await olaBadge.getAttribute('aria-label'), 'No password');

    // Pia believes the room is private and gives a password: refused, with what to do.
    await pia.page.getByLabel('Room', { exact: true }).fill(openRoom);
    await pia.page.getByLabel('Name', { exact: true }).fill('Pia');
    await pia.page.getByLabel('Password', { exact: true }).fill('correct horse battery');
    await pia.page.getByRole('button', { name: 'Join', exact: true }).click();
    const alert = pia.page.getByRole('alert');
    await alert.waitFor({ timeout: CALL_WAIT_MS });
    assert.match(await alert.innerText(), /already exists without a password.*pick another room name/s);

    // She takes the advice: a new room name with her password makes a protected room.
    await joinQuietly(pia.page, privateRoom, 'Pia', 'correct horse battery');
    const piaBadge = pia.page.getByTestId('room-protection');
    await piaBadge.waitFor({ timeout: CALL_WAIT_MS });
    assert.equal(await piaBadge.getAttribute('data-protected'), 'true');
    assert.equal(await piaBadge.getAttribute('aria-label'), 'Password protected');
  });
});
