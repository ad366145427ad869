import type { LocksLike } from './recovery.js';

/**
 * A Web Locks fake for tests: exclusive locks held until the callback's promise settles,
 * with the set of held names exposed so tests can see what a running recording holds.
 */
export function fakeLocks(): LocksLike & { held: Set<string> } {
  const held = new Set<string>();
  return {
    held,
    async request(name, cb) {
      held.add(name);
      try {
        return await cb();
      } finally {
        held.delete(name);
      }
    },
    async query() {
      return { held: [...held].map((name) => ({ name })) };
    },
  };
}
