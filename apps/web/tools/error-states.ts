/**
 * Drives the lobby into each failure a user can meet and saves what it shows:
 * camera/microphone permission denied, no devices at all, a full room, a wrong
 * password, and sound blocked by the autoplay policy (simulated: `play()` of audio
 * elements rejects with NotAllowedError until "Enable sound" is clicked). Prints the alert texts so a run can be checked without looking.
 *
 *   unshare -n sh -c 'ip link set lo up && npx tsx apps/web/tools/error-states.ts [outDir]'
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { ARGS, DESKTOP, freePort, join, open, shot, startServer } from './screenshots';

const OUT = resolve(process.argv[2] ?? '/tmp/meshmeet-error-states');

async function alerts(page: Page): Promise<string[]> {
  return page.$$eval('[role="alert"]', (els) => els.map((e) => (e as HTMLElement).innerText.replace(/\s+/g, ' ').trim()));
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const port = await freePort();
  const stop = await startServer(port, { MAX_ROOM_SIZE: '2' });
  const base = `http://127.0.0.1:${port}`;
  const withDevices = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ARGS });
  // No fake-UI flag: nothing auto-grants. No fake devices: this machine has none.
  const bare = ARGS.filter((a) => !a.startsWith('--use-fake'));
  const noDevices = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: [...bare, '--use-fake-ui-for-media-stream'] });
  const denying = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: [...bare, '--use-fake-device-for-media-stream'] });
  try {
    const denied = await denying.newContext({ viewport: DESKTOP }).then((c) => c.newPage());
    await denied.goto(`${base}/?room=errors`);
    await denied.waitForSelector('[role="alert"]', { timeout: 15_000 });
    console.log('permission denied →', await alerts(denied));
    await shot(denied, 'lobby-permission-denied', OUT);

    const none = await open(noDevices, `${base}/?room=errors`, DESKTOP);
    await none.waitForSelector('[role="alert"]', { timeout: 15_000 });
    console.log('no devices →', await alerts(none));
    await shot(none, 'lobby-no-devices', OUT);
    // Receive-only join works.
    await join(none, 'errors-recv', 'Ray');
    console.log('receive-only joined: Leave visible');

    const a = await open(withDevices, base, DESKTOP);
    const b = await open(withDevices, base, DESKTOP);
    const c = await open(withDevices, base, DESKTOP);
    await join(a, 'full', 'Ann');
    await join(b, 'full', 'Bob');
    await c.getByLabel('Room', { exact: true }).fill('full');
    await c.getByLabel('Name', { exact: true }).fill('Cat');
    await c.getByRole('button', { name: 'Join', exact: true }).click();
    await c.waitForSelector('form [role="alert"]', { timeout: 20_000 });
    console.log('room full →', await alerts(c));
    await shot(c, 'lobby-room-full', OUT);

    const d = await open(withDevices, base, DESKTOP);
    await d.getByLabel('Password', { exact: true }).fill('secret');
    await join(d, 'locked', 'Dee');
    const e = await open(withDevices, base, DESKTOP);
    await e.getByLabel('Password', { exact: true }).fill('guess');
    await e.getByLabel('Room', { exact: true }).fill('locked');
    await e.getByLabel('Name', { exact: true }).fill('Eve');
    await e.getByRole('button', { name: 'Join', exact: true }).click();
    await e.waitForSelector('form [role="alert"]', { timeout: 20_000 });
    console.log('bad password →', await alerts(e));
    await shot(e, 'lobby-bad-password', OUT);

    // Autoplay blocked: audio play() rejects until the first click on "Enable sound".
    const f = await open(withDevices, base, DESKTOP);
    await f.addInitScript(() => {
      const real = HTMLMediaElement.prototype.play;
      const w = window as unknown as { __allowSound?: boolean };
      HTMLMediaElement.prototype.play = function (this: HTMLMediaElement) {
        if (this instanceof HTMLAudioElement && !w.__allowSound) return Promise.reject(new DOMException('blocked', 'NotAllowedError'));
        return real.call(this);
      };
      document.addEventListener('click', (ev) => {
        if ((ev.target as Element | null)?.closest?.('button')?.textContent?.includes('Enable sound')) w.__allowSound = true;
      }, true);
    });
    await f.reload();
    const g = await open(withDevices, base, DESKTOP);
    await join(f, 'autoplay', 'Fay');
    await join(g, 'autoplay', 'Gus');
    const prompt = f.getByRole('button', { name: 'Enable sound' });
    await prompt.waitFor({ timeout: 20_000 });
    console.log('autoplay blocked →', await alerts(f));
    await shot(f, 'call-sound-blocked', OUT);
    await prompt.click();
    await prompt.waitFor({ state: 'detached', timeout: 10_000 });
    const playing = await f.$$eval('audio', (els) => els.filter((a) => !(a as HTMLAudioElement).paused).length);
    console.log('after Enable sound: prompt gone, playing audio elements =', playing);
  } finally {
    await Promise.all([withDevices.close(), noDevices.close(), denying.close()]);
    stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
