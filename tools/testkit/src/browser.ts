/**
 * Debian's Chromium driven by playwright-core with fake camera and microphone, one browser
 * context per participant (separate storage and permissions, like separate people).
 * Flags are the ones known to work inside a loopback-only namespace (TESTING.md).
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { scaled } from './slowness.js';

/** Where Debian puts Chromium; overridable for other machines. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * The command prefix that runs Chromium with a user's scheduling rights. Run as root (as
 * CI runs), Chromium may and does raise its audio, compositor, IPC and WebRTC threads to
 * nice -8, which no ordinary user's browser can do. On two cores those threads of several
 * browsers then starve everything at nice 0 (the signaling server, the test runner, the
 * pages' own main threads) for seconds at a time. Without CAP_SYS_NICE (`setpriv`, from
 * util-linux) every raise fails, as it does on a user's desktop.
 * `MESHMEET_CHROMIUM_PRIORITY=raised` lets root's Chromium raise them again, to measure the difference.
 */
export const USER_PRIORITY_PREFIX: readonly string[] =
  process.getuid?.() === 0 && process.env.MESHMEET_CHROMIUM_PRIORITY !== 'raised' ? ['setpriv', '--bounding-set', '-sys_nice', '--'] : [];

let userPriorityChromium: string | undefined;

/**
 * An executable that starts {@link CHROMIUM_PATH} under {@link USER_PRIORITY_PREFIX}, for
 * Playwright's `executablePath` (which takes one file, not a command line).
 */
export function chromiumExecutable(): string {
  if (USER_PRIORITY_PREFIX.length === 0) return CHROMIUM_PATH;
  if (userPriorityChromium) return userPriorityChromium;
  const dir = mkdtempSync(join(tmpdir(), 'meshmeet-chromium-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'chromium.sh');
  writeFileSync(file, `#!/bin/sh\nexec ${USER_PRIORITY_PREFIX.join(' ')} '${CHROMIUM_PATH}' "$@"\n`);
  chmodSync(file, 0o755);
  userPriorityChromium = file;
  return file;
}

/** Base flags: headless-friendly, no network chatter, fake media, loopback ICE allowed. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-ui-for-media-stream',
  // Without this, Chromium gathers no ICE candidates at all in a loopback-only namespace.
  '--allow-loopback-in-peer-connection',
  // Background tabs/contexts must keep decoding and running timers at full speed.
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
  '--autoplay-policy=no-user-gesture-required',
];

/**
 * Three fake cameras, so a test can switch to another real device mid-call. Chromium's
 * fake devices differ in pixel format: fake_device_0 is I420, fake_device_1 is Y16 (a
 * depth format: it renders in a <video> but WebRTC encodes no frames from it — checked
 * here: framesEncoded stays 0), fake_device_2 is MJPEG. Switch between 0 and 2.
 */
export const FAKE_DEVICE_ARG = '--use-fake-device-for-media-stream=device-count=3';

/**
 * Launches one headless Chromium shared by the participants of a test. With
 * `fakeDevices: false` the browser has no camera and no microphone at all (this machine
 * has none), which is how a receive-only participant is made without faking any API.
 */
export async function launchBrowser(opts: { fakeDevices?: boolean; extraArgs?: string[] } = {}): Promise<Browser> {
  const fake = opts.fakeDevices ?? true;
  return chromium.launch({
    executablePath: chromiumExecutable(),
    headless: true,
    args: [...CHROMIUM_ARGS, ...(fake ? [FAKE_DEVICE_ARG] : []), ...(opts.extraArgs ?? [])],
    timeout: scaled(30_000),
  });
}

/** One participant: its own context and page. */
export interface Participant {
  name: string;
  context: BrowserContext;
  page: Page;
  /** Console errors and page errors seen so far (for failure messages). */
  errors: string[];
}

/**
 * Opens a new participant at `url` (e.g. `${server}/?debug=1`) with camera and microphone
 * permission granted, so even receive-only participants gather ICE candidates.
 * `opts.viewport` sizes the page (default 1024×700): headless Chromium composites in
 * software, so a bench can see what page size costs.
 */
export async function openParticipant(
  browser: Browser,
  url: string,
  name: string,
  opts: { viewport?: { width: number; height: number } } = {},
): Promise<Participant> {
  const origin = new URL(url).origin;
  const context = await browser.newContext({
    permissions: ['camera', 'microphone'],
    viewport: opts.viewport ?? { width: 1024, height: 700 },
    locale: 'en-US',
  });
  await context.grantPermissions(['camera', 'microphone'], { origin });
  context.setDefaultTimeout(scaled(20_000));
  // tsx compiles this suite with esbuild's keepNames, which wraps named functions inside
  // `page.evaluate` callbacks in `__name(fn, "x")`; the page has no such helper.
  await context.addInitScript({ content: 'globalThis.__name ??= (fn) => fn;' });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: scaled(30_000) });
  return { name, context, page, errors };
}

/** Closes every participant's context, ignoring ones already gone. */
export async function closeAll(participants: Participant[]): Promise<void> {
  await Promise.all(participants.map((p) => p.context.close().catch(() => undefined)));
}
