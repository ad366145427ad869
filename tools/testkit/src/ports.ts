import { createServer } from 'node:net';

/**
 * Asks the kernel for a TCP port on 127.0.0.1 that was free a moment ago. Another process
 * could take it before the caller binds it; on loopback inside a test's own network
 * namespace that race does not happen in practice.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port assigned'))));
    });
  });
}
