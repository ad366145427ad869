/**
 * Debian's Firefox ESR as a second engine, driven by puppeteer-core over WebDriver BiDi
 * (Playwright's Firefox needs its own patched build). The prefs are the ones that make a
 * call work inside the loopback-only namespace (see TESTING.md): fake camera and
 * microphone without prompts, loopback ICE candidates with real addresses, autoplay.
 */
import puppeteer, { type Browser, type ElementHandle, type Page } from 'puppeteer-core';
import { waitFor } from './processes.js';

/** Where Debian puts Firefox ESR; overridable for other machines. */
export const FIREFOX_PATH = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';

/** Launches a headless Firefox ESR. */
export async function launchFirefox(): Promise<Browser> {
  return puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX_PATH,
    headless: true,
    protocol: 'webDriverBiDi',
    timeout: 60_000,
    extraPrefsFirefox: {
      'media.navigator.streams.fake': true,
      'media.navigator.permission.disabled': true,
      // Without this one Firefox gathers no ICE candidates at all in a namespace with no default route.
      'media.navigator.permission.fake': true,
      'media.peerconnection.ice.loopback': true,
      'media.peerconnection.ice.obfuscate_host_addresses': false,
      'media.autoplay.default': 0,
      'media.autoplay.blocking_policy': 0,
    },
  });
}

/** Opens `url` in a new Firefox page (with the `__name` shim tsx-compiled callbacks need). */
export async function openFirefoxPage(browser: Browser, url: string): Promise<Page> {
  const page = await browser.newPage();
  await page.evaluateOnNewDocument('globalThis.__name ??= (fn) => fn;');
  page.setDefaultTimeout(30_000);
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
  return page;
}

/** The first visible button whose accessible name (aria-label, else text) is exactly `name`. */
export async function firefoxButton(page: Page, name: string, timeoutMs = 30_000): Promise<ElementHandle<HTMLButtonElement>> {
  return waitFor(
    `button "${name}" in Firefox`,
    async () => {
      const handle = await page.evaluateHandle((n: string) => {
        for (const b of document.querySelectorAll('button')) {
          const label = (b.getAttribute('aria-label') ?? b.textContent ?? '').trim();
          if (label === n && b.getClientRects().length > 0 && !b.disabled) return b;
        }
        return null;
      }, name);
      const el = handle.asElement() as ElementHandle<HTMLButtonElement> | null;
      if (!el) await handle.dispose();
      return el ?? undefined;
    },
    { timeoutMs, intervalMs: 300 },
  );
}

/** Real (trusted) click on the button named `name`: gives the page user activation. */
export async function firefoxClick(page: Page, name: string, timeoutMs?: number): Promise<void> {
  const b = await firefoxButton(page, name, timeoutMs);
  await b.click();
  await b.dispose();
}

/** Types `value` into the field labelled `label` (by a <label> or aria-label). */
export async function firefoxFill(page: Page, label: string, value: string): Promise<void> {
  const handle = await waitFor(`field "${label}" in Firefox`, async () => {
    const h = await page.evaluateHandle((l: string) => {
      for (const lab of document.querySelectorAll('label')) {
        if ((lab.textContent ?? '').trim() === l && lab.control) return lab.control;
      }
      return document.querySelector(`[aria-label="${CSS.escape(l)}"]`);
    }, label);
    const el = h.asElement() as ElementHandle<HTMLInputElement> | null;
    if (!el) await h.dispose();
    return el ?? undefined;
  });
  await handle.click({ count: 3 });
  await handle.type(value);
  await handle.dispose();
}
