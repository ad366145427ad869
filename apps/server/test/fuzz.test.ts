import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import WebSocket from 'ws';
import { ErrorCode, type Ack, type JoinResult } from '@meshmeet/protocol';
import { METRICS_AUTH, connect, requestOk, sleep, spawnNode, uniquePrefix, type ChildNode, type Client } from './helpers.js';

/** Deterministic PRNG (mulberry32), so a failing run can be replayed with its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = Number(process.env.FUZZ_SEED ?? 20261125);
const rand = prng(SEED);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const int = (n: number) => Math.floor(rand() * n);

function randomString(max: number): string {
  const alphabets = ['abc', '会议室', '\u0000\u0001\n\t', '😀🎉', '"\\{}[]', '\u202e\u200b', 'ZZZZ'];
  let s = '';
  const len = int(max);
  for (let i = 0; i < len; i++) s += pick([...pick(alphabets)]);
  return s;
}

function randomValue(depth = 0): unknown {
  switch (int(depth > 4 ? 6 : 10)) {
    case 0: return null;
    case 1: return rand() * 1e9 - 5e8;
    case 2: return pick([true, false, 0, -1, 1e308, Number.MAX_SAFE_INTEGER]);
    case 3: return randomString(40);
    case 4: return 'x'.repeat(pick([0, 1, 100, 5000, 20_000]));
    case 5: return pick([undefined, [], {}, '', ' ']);
    case 6: return Array.from({ length: int(5) }, () => randomValue(depth + 1));
    case 7: {
      const o: Record<string, unknown> = {};
      for (let i = 0; i < int(5); i++) {
        const key = pick(['room', 'nick', 'to', 'data', 'text', '__proto__', 'constructor', 'from', randomString(8)]);
        // An own property even for "__proto__", as JSON.parse on the server will make it.
        Object.defineProperty(o, key, { value: randomValue(depth + 1), enumerable: true, writable: true, configurable: true });
      }
      return o;
    }
    case 8: {
      let nested: unknown = 'deep';
      for (let i = 0; i < 40; i++) nested = { a: nested };
      return nested;
    }
    default: return Buffer.from(randomString(20));
  }
}

/** A payload close to a valid one, with one thing wrong, so validation paths past the shape check run too. */
function nearMiss(event: string): unknown {
  switch (event) {
    case 'room:join':
      return pick<unknown>([
        { room: '', nick: 'a' },
        { room: 'r', nick: '' },
        { room: 'r', nick: 'a', state: { mic: 'yes' } },
        { room: 'r', nick: 'a', password: '' },
        { room: 'r'.repeat(65), nick: 'a' },
        { room: 'r', nick: 'a\u0007' },
        { room: 'r', nick: 'a', admin: true },
        { resumeToken: randomString(20) || 'x' },
        { resumeToken: 'y'.repeat(200) },
        { resumeToken: 't', room: 'r', nick: 'a' },
        [{ room: 'r', nick: 'a' }],
      ]);
    case 'signal':
      return pick<unknown>([{ to: 'abc', data: {} }, { to: '', data: {} }, { to: 'a b', data: {} }, { to: 'abc', data: [] }, { to: 'abc', data: 'sdp' }, { to: 'abc', data: {}, from: 'abc' }]);
    case 'peer:update':
      return pick<unknown>([{}, { mic: 1 }, { id: 'x' }, { nick: '' }, { shareStreamId: 'x'.repeat(65) }, { mic: true }]);
    case 'chat:send':
      return pick<unknown>([{ text: '' }, { text: '   ' }, { text: 'x'.repeat(1001) }, { text: 5 }, { text: 'hi' }]);
    default:
      return { whatever: true };
  }
}

const KNOWN = ['room:join', 'room:leave', 'peer:update', 'signal', 'chat:send'];
const UNKNOWN: unknown[] = ['constructor', '__proto__', 'hasOwnProperty', 'toString', 'error', 'disconnecting ', 'room:Join', 'x'.repeat(5000), 42, 'signal:description'];
const CODES = new Set<string>(Object.values(ErrorCode));

type Emitter = { emit(ev: unknown, ...args: unknown[]): void };

async function rssBytes(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { headers: METRICS_AUTH })).text();
  const m = /^meshmeet_process_resident_memory_bytes (\d+)/m.exec(text);
  return Number(m?.[1]);
}

describe('fuzzing the socket API', () => {
  let node: ChildNode;
  beforeAll(async () => {
    node = await spawnNode({ REDIS_URL: inject('redisUrl'), REDIS_PREFIX: uniquePrefix(), LOG_LEVEL: 'warn', RESUME_GRACE_MS: '0' });
  });
  afterAll(async () => {
    expect(await node.stop()).toBe(0); // and it still shuts down cleanly
  });

  // Generous timeout: on an idle 2-core machine this takes ~5 s; CI neighbours can slow it down.
  it(`≥ 10,000 random and malformed events: every ack an error code, server up, memory bounded (seed ${SEED})`, { timeout: 240_000 }, async () => {
    const SOCKETS = 200;
    const PER_SOCKET = 55;
    const sockets: Client[] = await Promise.all(Array.from({ length: SOCKETS }, () => connect(node.url)));
    const rssBefore = await rssBytes(node.url);
    const acks: Ack<unknown>[] = [];
    let sent = 0;
    let unacked = 0;
    const pending: Promise<void>[] = [];
    for (let round = 0; round < PER_SOCKET; round++) {
      for (const s of sockets) {
        const known = rand() < 0.6;
        const event = known ? pick(KNOWN) : pick(UNKNOWN);
        let args: unknown[] = known && rand() < 0.6 ? [nearMiss(String(event))] : Array.from({ length: int(3) }, () => randomValue());
        // Frames over MAX_MESSAGE_BYTES close the connection by design (tested in signaling.test.ts);
        // keep these under it so every socket lives to send its share.
        if (JSON.stringify(args).length > 100_000) args = [{ oversized: true }];
        sent++;
        if (rand() < 0.1) {
          unacked++;
          (s as unknown as Emitter).emit(event, ...args);
          continue;
        }
        pending.push(
          new Promise<void>((resolve) => {
            (s.timeout(60_000) as unknown as Emitter).emit(event, ...args, (err: Error | null, ack: Ack<unknown>) => {
              acks.push(err ? ({ ok: false, error: { code: 'NO_ACK' as ErrorCode, message: err.message } } as Ack<unknown>) : ack);
              resolve();
            });
          }),
        );
      }
      await sleep(40); // ~2,750 events/s overall, so per-socket rate limits do not hide the validation paths
    }
    await Promise.all(pending);
    expect(sent).toBeGreaterThanOrEqual(10_000);
    expect(acks.length + unacked).toBe(sent);
    const bad = acks.filter((a) => a.ok || !CODES.has(a.error.code) || typeof a.error.message !== 'string');
    expect(bad.slice(0, 5)).toEqual([]);
    const byCode: Record<string, number> = {};
    for (const a of acks) if (!a.ok) byCode[a.error.code] = (byCode[a.error.code] ?? 0) + 1;
    console.log(`fuzz seed ${SEED}: ${sent} events, ${acks.length} acks by code`, byCode);
    expect(byCode[ErrorCode.INVALID_PAYLOAD]).toBeGreaterThan(1000);
    expect(byCode[ErrorCode.UNKNOWN_EVENT]).toBeGreaterThan(1000);
    expect(byCode[ErrorCode.INTERNAL]).toBeUndefined(); // malformed input is never a server bug

    // Raw Engine.IO/Socket.IO frames that no well-behaved client would send.
    const garbage = ['42[', '42["room:join",', '4X', '42[123]', '42{"a":1}', '43[]', '421e999["x"]', '42["newListener"]', '45-["x",{"_placeholder":true,"num":9}]', '4', '6', 'x'.repeat(1000), '42["signal",{"to":"a","data":{}}'];
    const wsUrl = node.url.replace(/^http/, 'ws') + '/socket.io/?EIO=4&transport=websocket';
    await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        new Promise<void>((resolve) => {
          const ws = new WebSocket(wsUrl);
          ws.on('open', () => {
            ws.send('40{"v":1}');
            ws.send(garbage[i % garbage.length]!);
            ws.send(Buffer.from([0xff, 0x00, 0x13, 0x37]));
            setTimeout(() => ws.close(), 200);
          });
          ws.on('error', () => resolve());
          ws.on('close', () => resolve());
        }),
      ),
    );

    for (const s of sockets) s.close();
    await sleep(500);
    expect((await fetch(`${node.url}/healthz`)).status).toBe(200);
    const rssAfter = await rssBytes(node.url);
    console.log(`fuzz RSS: ${(rssBefore / 2 ** 20).toFixed(1)} MiB before, ${(rssAfter / 2 ** 20).toFixed(1)} MiB after`);
    expect(rssAfter).toBeLessThan(rssBefore + 100 * 2 ** 20);
    expect(rssAfter).toBeLessThan(400 * 2 ** 20);
    const metrics = await (await fetch(`${node.url}/metrics`, { headers: METRICS_AUTH })).text();
    expect(metrics).toMatch(/^meshmeet_sockets 0$/m);

    // And it still does its job.
    const a = await connect(node.url);
    const b = await connect(node.url);
    const ra = await requestOk<JoinResult>(a, 'room:join', { room: 'after-fuzz', nick: 'A' });
    const rb = await requestOk<JoinResult>(b, 'room:join', { room: 'after-fuzz', nick: 'B' });
    expect(rb.members.map((m) => m.id)).toEqual([ra.self.id]);
    a.close();
    b.close();
  });
});
