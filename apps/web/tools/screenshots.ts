/**
 * Takes the product screenshots in docs/screenshots/: lobby and a 2-person call, at
 * desktop (1280×800) and phone (390×844) sizes, in English and 简体中文.
 *
 * Run inside a loopback-only namespace after `npx vite build` (see TESTING.md):
 *   unshare -n sh -c 'ip link set lo up && npx tsx apps/web/tools/screenshots.ts'
 * It starts its own signaling server (ephemeral port) serving apps/web/dist, or
 * WEB_DIST_DIR when set (build elsewhere with `vite build --outDir` so a rebuild does
 * not pull the files from under other runs using apps/web/dist).
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

const ROOT = resolve(import.meta.dirname, '../../..');
const OUT = resolve(ROOT, process.env.SHOTS_DIR ?? 'docs/screenshots');

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? ok(a.port) : fail(new Error('no port'))));
    });
  });
}

export async function startServer(port: number, extraEnv: Record<string, string> = {}): Promise<() => void> {
  const child = spawn('npx', ['tsx', 'apps/server/src/server.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', WEB_DIST_DIR: process.env.WEB_DIST_DIR ?? resolve(ROOT, 'apps/web/dist'), ICE_SERVERS: '[]', LOG_LEVEL: 'warn', ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Own process group: npx → tsx → node, all stopped together by killing the group.
    detached: true,
  });
  const kill = (sig: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      /* already gone */
    }
  };
  child.stderr.on('data', (d: Buffer) => process.stderr.write(d));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return () => kill('SIGTERM');
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  kill('SIGKILL');
  throw new Error('server did not start');
}

export const ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream=device-count=2', '--allow-loopback-in-peer-connection',
  '--autoplay-policy=no-user-gesture-required', '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows',
];

type Size = { width: number; height: number };
export const DESKTOP: Size = { width: 1280, height: 800 };
export const PHONE: Size = { width: 390, height: 844 };

export async function open(browser: Browser, url: string, viewport: Size, locale = 'en-US'): Promise<Page> {
  const context = await browser.newContext({ viewport, locale, permissions: ['camera', 'microphone'], isMobile: viewport.width < 500, hasTouch: viewport.width < 500 });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('pageerror:', e.message));
  page.on('console', (m) => m.type() === 'error' && console.error('console:', m.text()));
  await page.goto(url);
  return page;
}

export async function waitForPreview(page: Page): Promise<void> {
  await page.waitForFunction(() => [...document.querySelectorAll('video')].some((v) => v.videoWidth > 0), null, { timeout: 15_000 });
}

export async function join(page: Page, room: string, nick: string, labels = { room: 'Room', name: 'Name', join: 'Join', leave: 'Leave' }): Promise<void> {
  await page.getByLabel(labels.room, { exact: true }).fill(room);
  await page.getByLabel(labels.name, { exact: true }).fill(nick);
  await page.getByRole('button', { name: labels.join, exact: true }).click();
  await page.getByRole('button', { name: labels.leave, exact: true }).waitFor({ timeout: 20_000 });
}

async function waitForRemoteVideo(page: Page): Promise<void> {
  try {
    await page.waitForFunction(
      () => [...document.querySelectorAll('[data-testid="participant-tile"]:not([data-local]) video')].some((v) => (v as HTMLVideoElement).videoWidth > 0),
      null,
      { timeout: 30_000 },
    );
  } catch (e) {
    const state = await page.$$eval('[data-testid="participant-tile"]', (els) =>
      els.map((el) => ({ id: el.getAttribute('data-peer-id'), local: el.hasAttribute('data-local'), w: el.querySelector('video')?.videoWidth })),
    );
    throw new Error(`no remote video: tiles ${JSON.stringify(state)}`, { cause: e });
  }
}

export async function shot(page: Page, name: string, dir = OUT): Promise<void> {
  await page.waitForTimeout(600);
  await page.screenshot({ path: resolve(dir, `${name}.png`) });
  console.log('saved', name);
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const port = await freePort();
  const stop = await startServer(port);
  const base = `http://127.0.0.1:${port}`;
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ARGS });
  try {
    const lobby = await open(browser, `${base}/?room=design-review`, DESKTOP);
    await waitForPreview(lobby);
    await lobby.getByLabel('Name', { exact: true }).fill('Ada Lovelace');
    await shot(lobby, 'lobby-desktop');

    const lobbyPhone = await open(browser, `${base}/?room=design-review`, PHONE);
    await waitForPreview(lobbyPhone);
    await lobbyPhone.getByLabel('Name', { exact: true }).fill('Ada');
    await shot(lobbyPhone, 'lobby-phone');

    const lobbyZh = await open(browser, `${base}/`, DESKTOP, 'zh-CN');
    await waitForPreview(lobbyZh);
    await shot(lobbyZh, 'lobby-desktop-zh');

    const a = await open(browser, `${base}/`, DESKTOP);
    const b = await open(browser, `${base}/`, PHONE);
    await join(a, 'design-review', 'Ada Lovelace');
    await join(b, 'design-review', 'Grace Hopper');
    await waitForRemoteVideo(a);
    await waitForRemoteVideo(b);
    await shot(a, 'call-desktop');
    await shot(b, 'call-phone');

    await a.getByRole('button', { name: 'Chat', exact: true }).click();
    await a.getByPlaceholder('Message everyone').fill('Hi Grace, can you see my slides?');
    await a.keyboard.press('Enter');
    await a.getByRole('button', { name: 'People', exact: true }).click();
    await a.getByRole('button', { name: 'Connection details' }).first().click();
    await a.waitForTimeout(2500);
    await shot(a, 'call-desktop-people');
    await a.getByRole('button', { name: 'Chat', exact: true }).click();
    await shot(a, 'call-desktop-chat');

    await b.getByRole('button', { name: 'Mute microphone', exact: true }).click();
    await b.getByRole('button', { name: 'Turn camera off', exact: true }).click();
    await a.waitForTimeout(800);
    await shot(a, 'call-desktop-peer-muted');
    await b.getByRole('button', { name: 'More', exact: true }).click();
    await shot(b, 'call-phone-more');

    // A screen share: its own tile, with the cameras in a filmstrip beside it.
    await b.getByRole('button', { name: 'Share screen', exact: true }).click();
    await a.waitForFunction(() => [...document.querySelectorAll('[data-testid="share-tile"] video')].some((v) => (v as HTMLVideoElement).videoWidth > 0), null, { timeout: 20_000 });
    await a.getByRole('button', { name: 'Chat', exact: true }).click();
    await shot(a, 'call-desktop-share');
    const c = await open(browser, `${base}/`, PHONE);
    await join(c, 'design-review', 'Lin');
    await c.waitForFunction(() => [...document.querySelectorAll('[data-testid="share-tile"] video')].some((v) => (v as HTMLVideoElement).videoWidth > 0), null, { timeout: 20_000 });
    await shot(c, 'call-phone-share');
  } finally {
    await browser.close();
    stop();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
