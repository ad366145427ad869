/**
 * Ad-hoc evaluation (not a test, not the benchmark): CPU a third, uninvolved node spends
 * while nodes 1 and 2 relay signals between each other, for the sharded and the classic
 * Redis adapter. Run: npx tsx apps/server/test/adapter-eval.ts <redisUrl>
 */
import type { JoinResult } from '@meshmeet/protocol';
import { METRICS_AUTH, connect, requestOk, spawnNode, uniquePrefix, type ChildNode } from './helpers.js';

async function cpuSeconds(node: ChildNode): Promise<number> {
  const text = await (await fetch(`${node.url}/metrics`, { headers: METRICS_AUTH })).text();
  return Number(/^meshmeet_process_cpu_seconds_total (\S+)/m.exec(text)?.[1]);
}

async function run(adapter: 'sharded' | 'classic', redisUrl: string): Promise<void> {
  const env = { REDIS_URL: redisUrl, REDIS_PREFIX: uniquePrefix(), SOCKETIO_ADAPTER: adapter, LOG_LEVEL: 'warn', SIGNAL_RATE_PER_S: '100000', SIGNAL_BURST: '100000' };
  const nodes = await Promise.all([spawnNode(env), spawnNode(env), spawnNode(env)]);
  const [n1, n2, n3] = nodes as [ChildNode, ChildNode, ChildNode];
  const pairs = 20;
  const left = await Promise.all(Array.from({ length: pairs }, () => connect(n1.url)));
  const right = await Promise.all(Array.from({ length: pairs }, () => connect(n2.url)));
  const rightIds: string[] = [];
  for (let i = 0; i < pairs; i++) {
    await requestOk<JoinResult>(left[i]!, 'room:join', { room: `pair${i}`, nick: 'L' });
    rightIds.push((await requestOk<JoinResult>(right[i]!, 'room:join', { room: `pair${i}`, nick: 'R' })).self.id);
  }
  let received = 0;
  for (const s of right) s.on('signal', () => received++);
  const perPair = 500;
  const before = await Promise.all(nodes.map(cpuSeconds));
  const t0 = performance.now();
  await Promise.all(
    left.map(async (s, i) => {
      for (let k = 0; k < perPair; k++) await requestOk(s, 'signal', { to: rightIds[i], data: { candidate: { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 5000 typ host', sdpMid: '0' } } });
    }),
  );
  while (received < pairs * perPair) await new Promise((r) => setTimeout(r, 10));
  const ms = performance.now() - t0;
  const after = await Promise.all(nodes.map(cpuSeconds));
  const cpu = after.map((a, i) => (a - before[i]!).toFixed(2));
  console.log(`${adapter}: ${pairs * perPair} cross-node relays in ${ms.toFixed(0)} ms (${((pairs * perPair) / (ms / 1000)).toFixed(0)}/s); CPU s node1=${cpu[0]} node2=${cpu[1]} uninvolved node3=${cpu[2]}`);
  for (const s of [...left, ...right]) s.close();
  await Promise.all(nodes.map((n) => n.stop()));
}

const url = process.argv[2] ?? 'redis://127.0.0.1:6379';
await run('classic', url);
await run('sharded', url);
await run('classic', url);
await run('sharded', url);
