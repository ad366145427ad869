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

/** All descendants of `root` (not `root` itself). */
export function descendants(root: number): number[] {
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

/** A sample of a process tree. */
export interface TreeSample {
  at: number;
  /** Summed PSS of every process in the tree, bytes. */
  memBytes: number;
  /** Summed CPU seconds so far. Processes that exited drop out (short-lived helpers). */
  cpuS: number;
  processes: number;
}

/** Sample every descendant of `root` (e.g. this Node process, whose child is Chromium). */
export function sampleTree(root: number): TreeSample {
  const pids = descendants(root);
  let memBytes = 0;
  let cpuS = 0;
  for (const pid of pids) {
    memBytes += pssBytes(pid);
    cpuS += cpuSeconds(pid);
  }
  return { at: Date.now(), memBytes, cpuS, processes: pids.length };
}
