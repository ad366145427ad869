/**
 * One measured room: N participants, each in its own Chromium (so CPU is per participant),
 * joining one after the other; then every page's receive side and upload are sampled over
 * a window, and each browser's CPU is read from /proc.
 */
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { descendants, sampleTree } from '../recording/proc-stats.js';
import { joinRoom, peerStats, selfId, waitForRemoteTiles } from '@meshmeet/testkit/call';
import { waitFor } from '@meshmeet/testkit';
import { startSampler, stopSampler, type PageWindow } from './sampler.js';

/** A participant of a measured room. */
export interface RoomMember {
  name: string;
  page: Page;
  /** Main process of its Chromium, for CPU. */
  pid: number | null;
}

/**
 * Launches one browser and tells which process it is: the new Chromium whose parent is
 * not Chromium and that is a browser process. Its crash handlers are new too, and they
 * detach (their parent becomes init), so "parent is not Chromium" alone can pick one of
 * them, an idle process, and report the participant's CPU as ~1 %.
 */
export async function launchTracked(launch: () => Promise<Browser>): Promise<{ browser: Browser; pid: number | null }> {
  const before = new Set(descendants(process.pid));
  const browser = await launch();
  const fresh = descendants(process.pid).filter((p) => !before.has(p));
  const freshSet = new Set(fresh);
  const main = fresh.find((p) => !freshSet.has(parentOf(p) ?? -1) && isBrowserProcess(p)) ?? null;
  return { browser, pid: main };
}

/** A Chromium main process: no `--type=` switch, and not the crash handler binary. */
function isBrowserProcess(pid: number): boolean {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return !/crashpad/.test(args[0] ?? '') && !args.some((a) => a.startsWith('--type='));
  } catch {
    return false;
  }
}

function parentOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}

/** What a room measured. */
export interface RoomResult {
  windows: PageWindow[];
  /** CPU of each participant's browser over the window, % of one core. */
  cpuPercent: number[];
  /** The 4th joiner's Join click → a decoded frame from all 3 others, ms (null when N < 4). */
  fourthJoinerMs: number | null;
  /** Remote streams that never decoded a frame before the window started. */
  neverDecoded: number;
  /** Ids of the members who muted their microphone: their audio is not played, so not judged. */
  mutedIds: string[];
}

/** Frames decoded so far from each of `ids` on `page`. */
async function decodedFrom(page: Page, ids: string[]): Promise<boolean> {
  for (const id of ids) if ((await peerStats(page, id)).framesDecoded === 0) return false;
  return true;
}

/** Options of {@link measureRoom}. */
export interface MeasureOptions {
  settleS: number;
  windowS: number;
  log: (s: string) => void;
  /** Ids of browser-less participants (bots) already in the room: every page must decode them too. */
  botIds?: string[];
  /**
   * How many members, the last to join, mute their microphone as soon as they are in: in a
   * real room most people are muted while one or two talk. @default 0
   */
  muted?: number;
}

/**
 * Joins everyone in order, waits (bounded) until every page decodes every other, lets the
 * budget settle for `settleS`, then measures for `windowS`. Bots, when given, joined first;
 * the 4th-joiner figure is then not taken (the 4th joiner would be a bot).
 */
export async function measureRoom(members: RoomMember[], room: string, opts: MeasureOptions): Promise<RoomResult> {
  const bots = opts.botIds ?? [];
  const ids: string[] = [];
  let fourthJoinerMs: number | null = null;
  const mutedIds: string[] = [];
  for (const [i, m] of members.entries()) {
    const t0 = Date.now();
    await joinRoom(m.page, { room, nick: m.name });
    ids.push(await selfId(m.page));
    if (i + bots.length > 0) await waitForRemoteTiles(m.page, i + bots.length, 60_000);
    if (i === 3 && bots.length === 0) {
      await waitFor('4th joiner decodes all 3 others', () => decodedFrom(m.page, ids.slice(0, 3)), { timeoutMs: 60_000, intervalMs: 100 }).catch(() => undefined);
      fourthJoinerMs = Date.now() - t0;
    }
    // After the 4th joiner's figure, which times the join alone.
    if (i >= members.length - (opts.muted ?? 0)) {
      await m.page.getByRole('button', { name: 'Mute microphone', exact: true }).click();
      await m.page.getByRole('button', { name: 'Unmute microphone', exact: true }).waitFor({ timeout: 10_000 });
      mutedIds.push(ids[i]!);
    }
  }
  // Bounded: a starved mesh may never decode some streams; they count as never decoded.
  const deadline = Date.now() + 60_000;
  for (const [i, m] of members.entries()) {
    const others = [...bots, ...ids.filter((_, j) => j !== i)];
    while (Date.now() < deadline && !(await decodedFrom(m.page, others))) await new Promise((r) => setTimeout(r, 250));
  }
  let neverDecoded = 0;
  for (const [i, m] of members.entries()) {
    for (const [j, id] of ids.entries()) if (i !== j && (await peerStats(m.page, id)).framesDecoded === 0) neverDecoded++;
    for (const id of bots) if ((await peerStats(m.page, id)).framesDecoded === 0) neverDecoded++;
  }
  opts.log(`  all joined; ${neverDecoded} streams not decoding yet; settling ${opts.settleS} s`);
  await new Promise((r) => setTimeout(r, opts.settleS * 1000));
  const cpu0 = members.map((m) => (m.pid ? sampleTree(m.pid).cpuS : null));
  const t0 = Date.now();
  await Promise.all(members.map((m) => startSampler(m.page)));
  await new Promise((r) => setTimeout(r, opts.windowS * 1000));
  const windows = await Promise.all(members.map((m) => stopSampler(m.page)));
  const wall = (Date.now() - t0) / 1000;
  const cpuPercent = members.map((m, i) => (m.pid && cpu0[i] !== null ? ((sampleTree(m.pid).cpuS - cpu0[i]!) / wall) * 100 : NaN));
  return { windows, cpuPercent, fourthJoinerMs, neverDecoded, mutedIds };
}
