import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_ICE_SERVERS, EnvSchema, loadConfig, type Config } from './config.js';

/** `.env.example`, the variables as documented for people: `NAME=default` lines. */
const documented = [...readFileSync(new URL('../../../.env.example', import.meta.url), 'utf8').matchAll(/^([A-Z][A-Z0-9_]*)=(.*)$/gm)].map(
  ([, name, value]) => [name!, value!.trim()] as const,
);

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 7070,
      host: '0.0.0.0',
      redisUrl: null,
      redisPrefix: 'meshmeet:',
      maxRoomSize: 8,
      iceServers: DEFAULT_ICE_SERVERS,
      turnUrls: [],
      turnSecret: null,
      resumeGraceMs: 30_000,
      nodeDeadAfterMs: 15_000,
      https: 'off',
      socketioAdapter: 'sharded',
    });
  });

  it('accepts an empty ICE server list and TURN settings', () => {
    const c = loadConfig({ ICE_SERVERS: '[]', TURN_URLS: 'turn:127.0.0.1:3478, turn:127.0.0.1:3478?transport=tcp', TURN_SECRET: 'abcdefgh', TURN_TTL_S: '600' });
    expect(c.iceServers).toEqual([]);
    expect(c.turnUrls).toEqual(['turn:127.0.0.1:3478', 'turn:127.0.0.1:3478?transport=tcp']);
    expect(c.turnTtlS).toBe(600);
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ MAX_ROOM_SIZE: '1' }, 'MAX_ROOM_SIZE'],
    [{ ICE_SERVERS: '{"urls":1}' }, 'ICE_SERVERS'],
    [{ ICE_SERVERS: 'not json' }, 'ICE_SERVERS'],
    [{ REDIS_URL: 'localhost:6379' }, 'REDIS_URL'],
    [{ REDIS_PREFIX: 'a b' }, 'REDIS_PREFIX'],
    [{ NODE_DEAD_AFTER_MS: '60000' }, 'NODE_DEAD_AFTER_MS'],
    // A heartbeat under a second would flood every socket; zero would disable the dead-connection check.
    [{ PING_INTERVAL_MS: '10' }, 'PING_INTERVAL_MS'],
    [{ PING_TIMEOUT_MS: '0' }, 'PING_TIMEOUT_MS'],
    [{ TURN_SECRET: 'abcdefgh' }, 'TURN_URLS'],
    [{ TURN_URLS: 'turn:x' }, 'TURN_SECRET'],
    [{ TURN_URLS: 'http://x', TURN_SECRET: 'abcdefgh' }, 'TURN_URLS'],
    [{ HTTPS: 'yes' }, 'HTTPS'],
    [{ HTTPS: 'files', TLS_KEY: 'k' }, 'TLS_CERT'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ CORS_ORIGINS: 'example.com' }, 'CORS_ORIGINS'],
  ])('names the bad variable: %o', (env, variable) => {
    let error: unknown;
    try {
      loadConfig(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
    expect((error as ConfigError).message).toContain(variable);
  });

  it('.env.example documents exactly the variables of the schema, with the defaults the schema has', () => {
    expect(documented.map(([name]) => name).sort()).toEqual(Object.keys(EnvSchema.shape).sort());
    const defaults = loadConfig({});
    for (const [name, value] of documented) {
      if (value === '') continue; // documented as unset
      const key = name.toLowerCase().replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase()) as keyof Config;
      expect(loadConfig({ [name]: value })[key], name).toEqual(defaults[key]);
    }
  });
});
