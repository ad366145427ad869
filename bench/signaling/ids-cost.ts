import { randomBytes } from 'node:crypto';
import { newPeerId, newResumeToken } from '../../apps/server/src/rooms/ids.js';

/**
 * What the id and resume token of one join cost: two calls into the CSPRNG (as before the
 * random pool of `apps/server/src/rooms/ids.ts`) against the pool, alternating, in one run.
 *
 *   node --import tsx bench/signaling/ids-cost.ts
 */
const JOINS = 200_000;

function perJoinUs(make: () => void): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < JOINS; i++) make();
  return Number(process.hrtime.bigint() - t0) / JOINS / 1000;
}

for (let round = 1; round <= 3; round++) {
  const direct = perJoinUs(() => {
    randomBytes(9).toString('base64url');
    randomBytes(32).toString('base64url');
  });
  const pooled = perJoinUs(() => {
    newPeerId();
    newResumeToken();
  });
  console.log(`round ${round}: two CSPRNG calls ${direct.toFixed(2)} µs per join, pool ${pooled.toFixed(2)} µs (ratio ${(pooled / direct).toFixed(2)})`);
}
