/**
 * CPU time of every thread of a set of processes, read from /proc, for the diagnostics
 * that ask which part of Chromium a room's CPU goes to.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's utime and stime (USER_HZ, 100 on Linux). */
export const HZ = 100;

/** CPU ticks of every thread of `pids`, keyed "process type / thread name". */
export function threadTicks(pids: number[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const pid of pids) {
    let type = 'browser';
    try {
      // Chromium rewrites the command line of the processes it forks into one string.
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const t = / --type=([a-z-]+)/.exec(cmd);
      if (t) type = t[1]! + (/ --utility-sub-type=([\w.]+)/.exec(cmd)?.[1]?.replace(/^.*\./, ':') ?? '');
      else if (/crashpad/.test(cmd.split(' ', 1)[0]!)) type = 'crashpad';
    } catch {
      continue;
    }
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      try {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const ticks = Number(f[11]) + Number(f[12]);
        // Thread names carry numbers (ThreadPoolForeg, WebRTC_W…): group them by prefix.
        const key = `${type} / ${name.replace(/[0-9]+$/, '')}`;
        out.set(key, (out.get(key) ?? 0) + ticks);
      } catch {
        // the thread ended between listing and reading
      }
    }
  }
  return out;
}
