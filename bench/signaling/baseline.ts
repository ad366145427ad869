import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './procs.js';

/**
 * An older build of the server to benchmark against this one: a temporary, detached git
 * worktree of a commit, whose `apps/server/src/server.ts` the bench starts like the current
 * one (through tsx, so nothing is built).
 *
 * Dependencies come from this checkout's `node_modules` (one symlink per package), except
 * the workspace packages (`@meshmeet/*`), which point into the worktree: the old server runs
 * with its own protocol package and today's third-party versions. A commit whose server
 * needs a package this checkout no longer has fails to start, with tsx naming the package.
 */
export interface BaselineCheckout {
  /** The ref as given (`main~20`, a tag, a hash). */
  ref: string;
  /** The full commit hash it resolved to. */
  commit: string;
  /** Short hash and subject, for labels and notes. */
  short: string;
  subject: string;
  /** Root of the worktree (pass as `checkout` to startServer / startCluster). */
  dir: string;
  /** Removes the worktree. */
  remove(): void;
}

function git(args: string[]): string {
  return execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
}

/** Links every package of this checkout's node_modules into `dir`, workspace packages to `dir`'s own. */
function linkDependencies(dir: string): void {
  const from = join(REPO_ROOT, 'node_modules');
  const to = join(dir, 'node_modules');
  mkdirSync(to);
  for (const name of readdirSync(from)) {
    if (name === '@meshmeet') continue;
    symlinkSync(join(from, name), join(to, name));
  }
  mkdirSync(join(to, '@meshmeet'));
  const own = { protocol: 'packages/protocol', server: 'apps/server', testkit: 'tools/testkit', bots: 'tools/bots', web: 'apps/web' };
  for (const [name, path] of Object.entries(own)) {
    if (existsSync(join(dir, path))) symlinkSync(join(dir, path), join(to, '@meshmeet', name));
  }
}

/** Checks `ref` out into a temporary worktree; throws with git's message when it cannot. */
export function checkoutBaseline(ref: string): BaselineCheckout {
  const commit = git(['rev-parse', '--verify', `${ref}^{commit}`]);
  const [short, subject] = git(['log', '-1', '--format=%h%x00%s', commit]).split('\0') as [string, string];
  const dir = mkdtempSync(join(tmpdir(), `meshmeet-baseline-${short}-`));
  try {
    git(['worktree', 'add', '--detach', '--force', dir, commit]);
    linkDependencies(dir);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    ref,
    commit,
    short,
    subject,
    dir,
    remove() {
      try {
        git(['worktree', 'remove', '--force', dir]);
      } catch {
        rmSync(dir, { recursive: true, force: true });
        git(['worktree', 'prune']);
      }
    },
  };
}
