import type { IncomingMessage } from 'node:http';
import proxyAddr from '@fastify/proxy-addr';

/** Finds the client address of a request. */
export type ClientAddressOf = (req: IncomingMessage) => string;

/**
 * The client address of a request, as the limits per address count it: the TCP peer,
 * unless that peer is one of `trustedProxies`, in which case `X-Forwarded-For` is read
 * from the right, skipping trusted hops (the same rule fastify's `trustProxy` applies to
 * HTTP routes). With no trusted proxy the header is ignored: anyone can write it.
 */
export function clientAddressResolver(trustedProxies: string[]): ClientAddressOf {
  const trust = proxyAddr.compile(trustedProxies);
  // A request whose socket already closed has no address; it is about to fail anyway.
  return (req) => normalize(proxyAddr(req, trust) ?? 'unknown');
}

/** `::ffff:127.0.0.1` and `127.0.0.1` are one client. */
function normalize(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
