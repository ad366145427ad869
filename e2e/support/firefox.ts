/**
 * Debian's Firefox ESR as a second engine, driven by puppeteer-core over WebDriver BiDi
 * (Playwright's Firefox needs its own patched build). The prefs are the ones that make a
 * call work inside the loopback-only namespace (see TESTING.md): fake camera and
 * microphone without prompts, loopback ICE candidates with real addresses, autoplay.
 *
 * Firefox has no fake screen: `media.navigator.streams.fake` covers camera and microphone
 * only, and a headless Firefox answers `getDisplayMedia` with NotFoundError. So Firefox runs
 * headful on its own Xvfb display, where `getDisplayMedia` (prompt disabled by
 * `media.navigator.permission.disabled`) captures that virtual screen.
 */
import puppeteer, { type Browser, type ElementHandle, type Page } from 'puppeteer-core';
import { startProcess, waitFor, type Managed } from './processes.js';

/** Where Debian puts Firefox ESR; overridable for other machines. */
export const FIREFOX_PATH = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';

/**
 * Starts Xvfb on a display number it picks itself (`-displayfd`), so parallel runs never
 * clash; resolves with that display (":N") once the server is ready to accept clients.
 */
async function startVirtualDisplay(): Promise<{ display: string; proc: Managed }> {
  const proc = startProcess('Xvfb', ['-displayfd', '1', '-screen', '0', '1280x720x24', '-nolisten', 'tcp'], { name: 'xvfb' });
  const n = await waitFor('Xvfb to report its display number', () => {
    if (proc.child.exitCode !== null) throw new Error(`Xvfb exited:\n${proc.output().slice(-2000)}`);
    return /^(\d+)$/m.exec(proc.output())?.[1];
  }).catch(async (err: Error) => {
    await proc.stop();
    throw err;
  });
  return { display: `:${n}`, proc };
}

/**
 * Launches Firefox ESR on a private Xvfb display (so screen capture works; see the header),
 * stopped when the browser closes or disconnects.
 */
export async function launchFirefox(): Promise<Browser> {
  const screen = await startVirtualDisplay();
  const browser = await puppeteer
    .launch({
      browser: 'firefox',
      executablePath: FIREFOX_PATH,
      headless: false,
      env: { ...process.env, DISPLAY: screen.display },
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
    })
    .catch(async (err: unknown) => {
      await screen.proc.stop();
      throw err;
    });
  browser.once('disconnected', () => void screen.proc.stop());
  return browser;
}

/** Opens `url` in a new Firefox page (with the `__name` shim tsx-compiled callbacks need). */
export async function openFirefoxPage(browser: Browser, url: string): Promise<Page> {
  const page = await browser.newPage();
  // A function, not a string: a string would be eval'd in the page, which the app's CSP forbids.
  await page.evaluateOnNewDocument(() => {
    (globalThis as { __name?: unknown }).__name ??= (fn: unknown) => fn;
  });
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
  // puppeteer clicks at the point it measured, without Playwright's actionability checks:
  // wait until the button holds still for two frames and is what that point hits, so a
  // toolbar that is still reflowing cannot send the click to a neighbour.
  await waitFor(
    `button "${name}" in Firefox steady and not covered`,
    () =>
      b.evaluate(
        (el) =>
          new Promise<boolean>((resolve) => {
            el.scrollIntoView({ block: 'nearest', inline: 'nearest' });
            const a = el.getBoundingClientRect();
            requestAnimationFrame(() =>
              requestAnimationFrame(() => {
                const r = el.getBoundingClientRect();
                const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
                resolve(r.x === a.x && r.y === a.y && r.width === a.width && r.height === a.height && !!hit && el.contains(hit));
              }),
            );
          }),
      ),
    { timeoutMs, intervalMs: 100 },
  );
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
