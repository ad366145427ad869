import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import type { TestProject } from 'vitest/node';
import { freePort } from './ports.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

/** Waits until a redis-server answers PING. */
export async function waitForRedis(url: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => {}); // refused while the server starts: retried below
    try {
      await client.connect();
      await client.ping();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`redis at ${url} did not answer: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      client.disconnect();
    }
  }
}

/** Starts a throw-away redis-server (no persistence) on a free loopback port. */
export async function startRedis(port?: number): Promise<{ url: string; port: number; proc: ChildProcess }> {
  const p = port ?? (await freePort());
  const proc = spawn('redis-server', ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  const failed = new Promise<never>((_, reject) =>
    proc.once('error', (err) => reject(new Error(`cannot start redis-server (is it installed?): ${err.message}`))),
  );
  const url = `redis://127.0.0.1:${p}`;
  await Promise.race([waitForRedis(url), failed]);
  return { url, port: p, proc };
}

/** Vitest global setup: one Redis for the whole run, unless REDIS_URL points at one. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (process.env.REDIS_URL) {
    await waitForRedis(process.env.REDIS_URL);
    project.provide('redisUrl', process.env.REDIS_URL);
    return async () => {};
  }
  const redis = await startRedis();
  project.provide('redisUrl', redis.url);
  return async () => {
    redis.proc.kill('SIGTERM');
    await new Promise((r) => redis.proc.once('exit', r));
  };
}
