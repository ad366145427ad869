/**
 * User-level actions the lab journeys need beyond joining: chat, screen share, and the
 * "Reconnecting" notice. Every wait is bounded.
 */
import type { Page } from 'playwright-core';
import { waitFor } from '@meshmeet/testkit';

/** Opens the chat panel unless it is open. */
export async function openChat(page: Page): Promise<void> {
  const button = page.getByRole('button', { name: 'Chat', exact: true });
  if ((await button.getAttribute('aria-pressed', { timeout: 30_000 })) !== 'true') await button.click({ timeout: 30_000 });
}

/** Sends a chat message from `page`. */
export async function sendChat(page: Page, text: string): Promise<void> {
  await openChat(page);
  const box = page.getByLabel('Message everyone', { exact: true });
  await box.fill(text, { timeout: 30_000 });
  await box.press('Enter');
}

/** Waits until `page` shows a chat message with exactly `text`. */
export async function waitForChat(page: Page, text: string, timeoutMs = 30_000): Promise<void> {
  await openChat(page);
  await page.locator('.chat .text', { hasText: text }).first().waitFor({ state: 'visible', timeout: timeoutMs });
}

/** Clicks "Share screen" and waits until the page offers "Stop sharing". */
export async function startShare(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Share screen', exact: true }).first().click({ timeout: 30_000 });
  await page.getByRole('button', { name: 'Stop sharing', exact: true }).first().waitFor({ state: 'visible', timeout: 30_000 });
}

/** Waits until `page` shows `peerId`'s screen share with frames arriving. */
export async function waitForShareFrames(page: Page, peerId: string, timeoutMs = 45_000): Promise<void> {
  const frames = () =>
    page
      .locator(`[data-testid="share-tile"][data-peer-id="${peerId}"] video`)
      .first()
      .evaluate((v) => {
        const el = v as HTMLVideoElement;
        return { w: el.videoWidth, n: el.getVideoPlaybackQuality().totalVideoFrames };
      })
      .catch(() => ({ w: 0, n: 0 }));
  let prev = { w: 0, n: 0 };
  await waitFor(
    `screen share frames from ${peerId}`,
    async () => {
      const now = await frames();
      const ok = now.w > 0 && prev.n > 0 && now.n > prev.n;
      prev = now;
      return ok;
    },
    { timeoutMs, intervalMs: 700 },
  );
}

/** Whether the page shows the "Connection lost. Reconnecting…" notice. */
export async function showsReconnecting(page: Page): Promise<boolean> {
  return page.getByText('Connection lost. Reconnecting…').first().isVisible().catch(() => false);
}
