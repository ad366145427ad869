import type { IncomingMessage } from 'node:http';
import type { ClientAddressOf } from './client-address.js';
import { WindowCounter } from './window-counter.js';

/** Settings of {@link HandshakeGuard}. */
export interface HandshakeGuardOptions {
  /** Origins allowed besides the served one (`CORS_ORIGINS`). */
  corsOrigins: string[];
  addressOf: ClientAddressOf;
  maxConnectionsPerAddress: number;
  handshakesPerAddressPerMin: number;
  now?: () => number;
}

/** A refused handshake: engine.io answers it with HTTP 403 and this message. */
export type Refusal = string | null;

/**
 * Decides whether a new Socket.IO connection may open (engine.io's `allowRequest`, which
 * runs for the first request of both the polling and the WebSocket transport, before any
 * session exists):
 * - a browser `Origin` must be the origin the page was served from (its host equals the
 *   request's `Host`) or one of `CORS_ORIGINS`. Without this, any web site a person
 *   visits could open a socket to their meshmeet with their network position. Clients
 *   that send no `Origin` (native apps, bots, curl) are not browsers and pass;
 * - one client address may open at most `handshakesPerAddressPerMin` connections a
 *   minute and hold `maxConnectionsPerAddress` at once.
 */
export class HandshakeGuard {
  private readonly handshakes: WindowCounter;
  private readonly open = new Map<string, number>();
  private readonly allowed: Set<string>;

  /** The client address of a request, as counted here. */
  readonly addressOf: ClientAddressOf;

  constructor(private readonly o: HandshakeGuardOptions) {
    this.addressOf = o.addressOf;
    this.handshakes = new WindowCounter(60_000, o.now);
    this.allowed = new Set(o.corsOrigins.map((origin) => origin.toLowerCase()));
  }

  /** Why `req` may not open a connection, or null when it may. Counts the handshake. */
  check(req: IncomingMessage): Refusal {
    const origin = req.headers.origin;
    if (origin !== undefined && !this.originAllowed(origin, req.headers.host)) {
      return `Origin ${origin.slice(0, 100)} may not connect to this server`;
    }
    const address = this.o.addressOf(req);
    if ((this.open.get(address) ?? 0) >= this.o.maxConnectionsPerAddress) return 'Too many connections from your network';
    if (this.handshakes.add(address) > this.o.handshakesPerAddressPerMin) return 'Too many new connections from your network; wait a minute';
    return null;
  }

  /** Counts an open connection of `address` until `release` is called (once). */
  opened(address: string): () => void {
    this.open.set(address, (this.open.get(address) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(address) ?? 1) - 1;
      if (left > 0) this.open.set(address, left);
      else this.open.delete(address);
    };
  }

  private originAllowed(origin: string, host: string | undefined): boolean {
    if (this.allowed.has(origin.toLowerCase())) return true;
    let url: URL;
    try {
      url = new URL(origin); // "null" (sandboxed frames, file://) does not parse: refused
    } catch {
      return false;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
    return host !== undefined && url.host.toLowerCase() === host.toLowerCase();
  }
}
