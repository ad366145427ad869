import type { LocksLike } from '../../src/recording/recovery.js';

/**
 * A Web Locks fake for tests: exclusive locks, granted in request order (a request
 * waits while another holder has the name), held until the callback's promise settles,
 * with the set of held names exposed so tests can see what a running recording holds.
 */
export function fakeLocks(): LocksLike & { held: Set<string> } {
  const held = new Set<string>();
  const queues = new Map<string, Promise<unknown>>();
  return {
    held,
    request(name, cb) {
      const previous = queues.get(name) ?? Promise.resolve();
      const run = previous.then(async () => {
        held.add(name);
        try {
          return await cb();
        } finally {
          held.delete(name);
        }
      });
      const tail = run.catch(() => undefined);
      queues.set(name, tail);
      void tail.then(() => queues.get(name) === tail && queues.delete(name));
      return run;
    },
    async query() {
      return { held: [...held].map((name) => ({ name })) };
    },
  };
}
