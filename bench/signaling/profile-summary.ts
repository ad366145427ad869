import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Summarizes a V8 `.cpuprofile` (from `node --cpu-prof`) of a signaling server under the
 * relay bench: where the CPU went, by function (self time) and by stack (folded stacks,
 * the text form of a flame graph: `frame;frame;frame samples`, readable by speedscope,
 * inferno or flamegraph.pl).
 *
 *   node --import tsx bench/signaling/profile-summary.ts <file.cpuprofile> <out-prefix>
 *
 * writes `<out-prefix>.md` (top functions, share of CPU by area) and `<out-prefix>.folded`.
 * Samples before the first relay (start-up, module loading, connects and joins) are left out.
 * Profile a run with `BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR"`.
 */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Areas a frame is charged to, by the file it runs in (first match wins). */
const AREAS: Array<[string, RegExp]> = [
  ['meshmeet relay path', /apps\/server\/src\/(rooms\/(relay-service|membership-view|room-service)|signaling\/(relay|frame-size|safe-handler|rate-limit))/],
  ['meshmeet other', /apps\/server\/src\//],
  ['zod (validation)', /node_modules\/zod\//],
  ['socket.io parser (JSON encode/decode)', /node_modules\/socket\.io-parser\//],
  ['socket.io', /node_modules\/socket\.io\//],
  ['engine.io', /node_modules\/engine\.io\//],
  ['ws (WebSocket framing)', /node_modules\/ws\//],
  ['ioredis', /node_modules\/(ioredis|redis-parser|@ioredis)\//],
  ['redis adapter', /node_modules\/(@socket\.io\/redis-adapter|socket\.io-adapter)\//],
  ['prom-client', /node_modules\/prom-client\//],
  ['pino (logging)', /node_modules\/pino/],
  ['node internals', /^node:|^internal\//],
];

/**
 * Rewrites frames of a bundled script (the server `npm start` runs is one esbuild file) to
 * the source file and line they were built from, read from the `.map` beside the bundle, so
 * areas and names read as in the sources. Frames without a map are left as they are.
 */
function mapToSources(nodes: ProfileNode[]): void {
  const maps = new Map<string, { map: SourceMap; dir: string } | null>();
  const mapFor = (url: string) => {
    if (!maps.has(url)) {
      const path = url.startsWith('file://') ? fileURLToPath(url) : url;
      const mapFile = `${path}.map`;
      const usable = path.endsWith('.js') && existsSync(mapFile);
      maps.set(url, usable ? { map: new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8'))), dir: dirname(path) } : null);
    }
    return maps.get(url)!;
  };
  for (const n of nodes) {
    const f = n.callFrame;
    const bundle = f.url ? mapFor(f.url) : null;
    const entry = bundle?.map.findEntry(f.lineNumber, f.columnNumber) as { originalSource?: string; originalLine?: number } | undefined;
    if (!bundle || !entry?.originalSource) continue;
    const source = entry.originalSource.startsWith('file://') ? fileURLToPath(entry.originalSource) : resolve(bundle.dir, entry.originalSource);
    n.callFrame = { ...f, url: source, lineNumber: entry.originalLine ?? f.lineNumber };
  }
}

function frameName(n: ProfileNode): string {
  const f = n.callFrame;
  const file = f.url ? f.url.replace(/^file:\/\//, '').replace(/.*\/(node_modules\/)/, '$1').replace(/.*\/apps\//, 'apps/') : '';
  return `${f.functionName || '(anonymous)'}${file ? ` ${file}:${f.lineNumber + 1}` : ''}`;
}

function main(): void {
  const [file, out] = process.argv.slice(2);
  if (!file || !out) throw new Error('usage: profile-summary.ts <file.cpuprofile> <out-prefix>');
  const prof = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  mapToSources(prof.nodes);
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inRelay = (id: number): boolean => {
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)!.callFrame;
      if (f.functionName === 'relay' && /room-service|relay-service/.test(f.url)) return true;
    }
    return false;
  };
  const first = prof.samples.findIndex(inRelay);
  if (first < 0) throw new Error('no sample inside the relay path: was the server relaying?');
  const selfUs = new Map<number, number>();
  let total = 0;
  prof.samples.forEach((id, i) => {
    if (i < first) return;
    const dt = prof.timeDeltas[i] ?? 0;
    selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
    total += dt;
  });
  const idle = [...selfUs].filter(([id]) => ['(idle)', '(program)'].includes(byId.get(id)!.callFrame.functionName)).reduce((s, [, v]) => s + v, 0);
  const busy = total - idle;

  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  const folded = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const n = byId.get(id)!;
    if (['(idle)', '(program)'].includes(n.callFrame.functionName)) continue;
    const name = frameName(n);
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
    const url = n.callFrame.url;
    const area = n.callFrame.functionName === '(garbage collector)' ? 'garbage collector' : (AREAS.find(([, re]) => re.test(url))?.[0] ?? 'other (V8 builtins, native)');
    byArea.set(area, (byArea.get(area) ?? 0) + us);
    const stack: string[] = [];
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) stack.push(frameName(byId.get(cur)!).replace(/;/g, ','));
    const key = stack.reverse().join(';');
    folded.set(key, (folded.get(key) ?? 0) + us);
  }
  const pct = (us: number) => ((us / busy) * 100).toFixed(1);
  const lines = [
    `# CPU profile: ${basename(file)}`,
    '',
    `From the first relay on: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(2)} s busy (idle and "(program)" left out). Shares are of the busy time.`,
    '',
    '## By area (self time)',
    '',
    '| area | share |',
    '|---|---|',
    ...[...byArea].sort((a, b) => b[1] - a[1]).map(([a, us]) => `| ${a} | ${pct(us)} % |`),
    '',
    '## Top 25 functions (self time)',
    '',
    '| function | share |',
    '|---|---|',
    ...[...byFunction]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 25)
      .map(([f, us]) => `| \`${f}\` | ${pct(us)} % |`),
    '',
  ];
  writeFileSync(`${out}.md`, lines.join('\n'));
  writeFileSync(
    `${out}.folded`,
    [...folded]
      .sort((a, b) => b[1] - a[1])
      .map(([k, us]) => `${k} ${Math.round(us)}`)
      .join('\n') + '\n',
  );
  console.log(lines.slice(0, 30).join('\n'));
}

main();
