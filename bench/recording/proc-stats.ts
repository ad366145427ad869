/**
 * Memory and CPU of a process tree from /proc (Linux): used to measure Chromium as a
 * whole, because MediaRecorder chunks held as Blobs live in the browser process's
 * blob storage, not in the page's JS heap, so the heap alone would hide the cost of
 * "keeping chunks in memory".
 */
import { readdirSync, readFileSync } from 'node:fs';

const CLK_TCK = 100; // USER_HZ on Linux: /proc/<pid>/stat times are in 1/100 s.

function readParent(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces and parentheses: fields start after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(rest[1]);
  } catch {
    return null;
  }
}

/** All Chromium processes below `root` (other children, e.g. esbuild, are left out). */
export function descendants(root: number): number[] {
  return allDescendants(root).filter((pid) => {
    try {
      return /chrom/i.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '');
    } catch {
      return false;
    }
  });
}

function allDescendants(root: number): number[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const pp = readParent(pid);
    if (pp !== null) parent.set(pid, pp);
  }
  const out: number[] = [];
  for (const pid of parent.keys()) {
    let p = parent.get(pid);
    for (let hops = 0; p !== undefined && p > 1 && hops < 64; hops++) {
      if (p === root) {
        out.push(pid);
        break;
      }
      p = parent.get(p);
    }
  }
  return out;
}

/** Proportional set size of one process in bytes (falls back to RSS). */
function pssBytes(pid: number): number {
  try {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const m = /^Pss:\s+(\d+) kB/m.exec(rollup);
    if (m) return Number(m[1]) * 1024;
  } catch {
    // fall through to RSS
  }
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+) kB/m.exec(status);
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** CPU seconds (user + system) used by one process so far. */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 (utime, stime) are at indexes 11 and 12 after the name.
    return (Number(rest[11]) + Number(rest[12])) / CLK_TCK;
  } catch {
    return 0;
  }
}

/** Chromium's process type from its command line (`browser` when it has none). */
export function processType(pid: number): string {
  try {
    // Chromium rewrites its argv into one space-separated string.
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\0 ]/);
    const t = cmd.find((a) => a.startsWith('--type='));
    const sub = cmd.find((a) => a.startsWith('--utility-sub-type='));
    const exe = (cmd[0] ?? '?').split(' ')[0]!.split('/').pop()!;
    return t ? `${t.slice(7)}${sub ? `:${sub.slice(20).split('.').pop()}` : ''}` : exe;
  } catch {
    return '?';
  }
}

/** PSS by process type, MB (for diagnosing where memory goes). */
export function memoryByType(browserPid: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const pid of [browserPid, ...descendants(browserPid)]) {
    const t = processType(pid);
    out[t] = (out[t] ?? 0) + Math.round(pssBytes(pid) / 1e6);
  }
  return out;
}

/** A sample of a process tree. */
export interface TreeSample {
  at: number;
  /** Summed PSS of every process in the tree, bytes. */
  memBytes: number;
  /** Summed CPU seconds so far. Processes that exited drop out (short-lived helpers). */
  cpuS: number;
  processes: number;
}

/** Direct Chromium children of `root` (each is one launched browser). */
export function chromiumChildren(root: number): number[] {
  return descendants(root).filter((pid) => readParent(pid) === root);
}

/** Sample a browser: `browserPid` and every process below it. */
export function sampleTree(browserPid: number): TreeSample {
  const pids = [browserPid, ...descendants(browserPid)];
  let memBytes = 0;
  let cpuS = 0;
  for (const pid of pids) {
    memBytes += pssBytes(pid);
    cpuS += cpuSeconds(pid);
  }
  return { at: Date.now(), memBytes, cpuS, processes: pids.length };
}
