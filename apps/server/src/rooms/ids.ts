import { createHash, randomBytes } from 'node:crypto';

/** A new participant id: 12 URL-safe characters (72 random bits), assigned by the server only. */
export function newPeerId(): string {
  return randomBytes(9).toString('base64url');
}

/** A new resume token: 256 random bits, URL-safe. Only its hash is stored. */
export function newResumeToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Hash under which a resume token is stored, so a leaked store does not leak live tokens. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** A node (process) id for liveness records. */
export function newNodeId(): string {
  return randomBytes(6).toString('base64url');
}
