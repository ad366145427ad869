/**
 * One Chromium per lab participant, running inside the participant's network namespace:
 * Playwright is given an `executablePath` wrapper script that runs
 * `ip netns exec <ns> [setpriv …] /usr/bin/chromium "$@"` (the DevTools pipe and the profile
 * directory work across namespaces: they are file descriptors and files, not network).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH, USER_PRIORITY_PREFIX } from '../browser.js';
import type { LabParticipant } from './lab.js';
import { labEnv } from './shell.js';

const scratch = mkdtempSync(join(tmpdir(), 'meshmeet-lab-chromium-'));
process.once('exit', () => rmSync(scratch, { recursive: true, force: true }));

let cameraFile: string | undefined;

/**
 * A 320x240 at 15 fps test-pattern file for the fake camera: several browsers share two
 * cores in these journeys, and a small source keeps the figures about the network.
 */
export function smallCameraFile(): string {
  if (cameraFile) return cameraFile;
  const file = join(scratch, 'camera-320x240-15.y4m');
  if (!existsSync(file)) {
    execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=15', '-t', '4', '-pix_fmt', 'yuv420p', '-y', file], {
      stdio: 'inherit',
      env: labEnv(),
    });
  }
  cameraFile = file;
  return file;
}

/** Options for {@link launchChromiumIn}. */
export interface LabChromiumOptions {
  /**
   * The lab's app origin (e.g. `http://10.77.0.2:8080`): a plain-HTTP origin that is not
   * localhost, which Chromium is told to treat as secure (camera, Web Locks and crypto
   * need a secure context; a real deployment has HTTPS).
   */
  origin: string;
  /** Use the small test-pattern camera instead of Chromium's 640x480 fake. @default true */
  smallCamera?: boolean;
  extraArgs?: string[];
}

/** Launches a headless Chromium whose every socket is in `participant`'s namespace. */
export async function launchChromiumIn(participant: LabParticipant, opts: LabChromiumOptions): Promise<Browser> {
  const wrapper = join(scratch, `chromium-${participant.ns}.sh`);
  const command = ['ip', 'netns', 'exec', `'${participant.ns}'`, ...USER_PRIORITY_PREFIX, `'${CHROMIUM_PATH}'`].join(' ');
  writeFileSync(wrapper, `#!/bin/sh\nexec ${command} "$@"\n`);
  chmodSync(wrapper, 0o755);
  const args = CHROMIUM_ARGS.filter((a) => a !== '--allow-loopback-in-peer-connection');
  const camera = opts.smallCamera === false ? [] : [`--use-file-for-fake-video-capture=${smallCameraFile()}`];
  return chromium.launch({
    executablePath: wrapper,
    headless: true,
    args: [
      ...args,
      '--use-fake-device-for-media-stream',
      ...camera,
      `--unsafely-treat-insecure-origin-as-secure=${opts.origin}`,
      ...(opts.extraArgs ?? []),
    ],
    env: labEnv() as Record<string, string>,
    timeout: 60_000,
  });
}
