import { createHmac } from 'node:crypto';
import type { IceServer } from '@meshmeet/protocol';

/** What {@link createIceServerProvider} needs from the configuration. */
export interface IceConfig {
  iceServers: IceServer[];
  turnUrls: string[];
  turnSecret: string | null;
  turnTtlS: number;
}

/** Short-lived TURN credentials in coturn's REST-API form. */
export interface TurnCredentials {
  username: string;
  credential: string;
  /** Unix time (s) after which the TURN server refuses them. */
  expiresAt: number;
}

/**
 * Builds TURN credentials for coturn's `--use-auth-secret` mode: the username is
 * `<unix expiry>:<id>` and the credential is base64(HMAC-SHA1(secret, username)). coturn
 * recomputes the HMAC, so nothing is shared but the secret, and the expiry is enforced by it.
 */
export function turnCredentials(secret: string, id: string, ttlS: number, nowMs = Date.now()): TurnCredentials {
  const expiresAt = Math.floor(nowMs / 1000) + ttlS;
  const username = `${expiresAt}:${id}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential, expiresAt };
}

/**
 * Returns a function that gives the ICE server list for one participant: the configured
 * STUN/TURN entries plus, when a TURN secret is set, a TURN entry with fresh credentials
 * bound to `id` (so a leaked credential is traceable and expires on its own).
 */
export function createIceServerProvider(config: IceConfig): (id: string) => IceServer[] {
  return (id) => {
    const list = config.iceServers.map((s) => ({ ...s }));
    if (config.turnSecret && config.turnUrls.length > 0) {
      const { username, credential } = turnCredentials(config.turnSecret, id, config.turnTtlS);
      list.push({ urls: [...config.turnUrls], username, credential });
    }
    return list;
  };
}
