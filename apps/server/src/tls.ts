import { readFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { generate } from 'selfsigned';
import { ConfigError, type Config } from './config.js';

/** Key and certificate for Node's HTTPS server. */
export interface TlsOptions {
  key: string;
  cert: string;
}

/**
 * TLS material for `HTTPS=files` (read from TLS_CERT / TLS_KEY) or `HTTPS=self-signed`
 * (generated at start for localhost and this machine's addresses, so phones on the LAN get
 * the secure context getUserMedia requires, after accepting the warning). `null` when off.
 */
export async function loadTls(config: Config): Promise<TlsOptions | null> {
  if (config.https === 'off') return null;
  if (config.https === 'files') {
    const read = async (variable: 'TLS_CERT' | 'TLS_KEY', path: string) => {
      try {
        return await readFile(path, 'utf8');
      } catch (err) {
        throw new ConfigError(variable, `cannot read ${path}: ${(err as Error).message}`);
      }
    };
    return { cert: await read('TLS_CERT', config.tlsCert!), key: await read('TLS_KEY', config.tlsKey!) };
  }
  const ips = Object.values(networkInterfaces())
    .flat()
    .filter((i) => i !== undefined)
    .map((i) => i.address);
  const altNames = [
    { type: 2 as const, value: 'localhost' },
    ...[...new Set(['127.0.0.1', '::1', ...ips])].map((ip) => ({ type: 7 as const, ip })),
  ];
  const pems = await generate([{ name: 'commonName', value: 'meshmeet self-signed' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames }],
  });
  return { key: pems.private, cert: pems.cert };
}
