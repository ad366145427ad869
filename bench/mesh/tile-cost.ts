/**
 * What presenting video frames costs one headless Chromium, with no WebRTC in the way: one
 * page of six tiles, each a `<video>` of a canvas stream drawn at 10 fps (the six staggered,
 * as remote streams arrive), under three tile styles, alternated over rounds:
 * - `rounded`: the call tile's clip (`overflow: hidden`, `border-radius`, `isolation`);
 * - `square`: no clip;
 * - `overlay`: no clip, the corners drawn by an overlay instead.
 *
 * A diagnostic, not a benchmark: it answers "would a cheaper tile let a room of six
 * present more frames", by the CPU of the whole browser and of its compositor thread.
 *
 *   node --import tsx bench/mesh/tile-cost.ts [--rounds 3] [--window 15] [--viewport 1024x700]
 */
import { parseArgs } from 'node:util';
import { launchBrowser } from '@meshmeet/testkit/browser';
import { descendants } from '../recording/proc-stats.js';
import { HZ, threadTicks } from './thread-ticks.js';
import { launchTracked } from './room.js';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    window: { type: 'string', default: '15' },
    viewport: { type: 'string', default: '1024x700' },
  },
});
const ROUNDS = Number(args.rounds);
const WINDOW_S = Number(args.window);
const [VIEW_W, VIEW_H] = args.viewport.split('x').map(Number) as [number, number];
if (!(ROUNDS > 0 && WINDOW_S > 0 && VIEW_W > 0 && VIEW_H > 0)) throw new Error('--rounds, --window and --viewport WIDTHxHEIGHT must be positive');

const STYLES = {
  rounded: '.tile{overflow:hidden;border-radius:12px;isolation:isolate}',
  square: '',
  overlay: ".tile::before{content:'';position:absolute;inset:-12px;border-radius:24px;box-shadow:inset 0 0 0 12px #111;pointer-events:none;z-index:1}",
} as const;
type Style = keyof typeof STYLES;

/** The page: the grid, a name label on each tile as the call has, six staggered canvas streams. */
function page(style: Style): string {
  return `<!doctype html><style>
body{margin:0;background:#111}
.grid{display:grid;grid-template-columns:repeat(3,1fr);grid-template-rows:repeat(2,1fr);gap:8px;padding:8px;height:calc(100vh - 16px)}
.tile{position:relative;background:#23262f}
video{position:absolute;inset:0;width:100%;height:100%;object-fit:cover;display:block}
.name{position:absolute;left:8px;bottom:8px;padding:3px 9px;border-radius:6px;background:rgba(0,0,0,.55);color:#fff;font:13px sans-serif}
${STYLES[style]}</style><div class="grid"></div><script>
const grid = document.querySelector('.grid');
for (let i = 0; i < 6; i++) {
  const canvas = Object.assign(document.createElement('canvas'), { width: 320, height: 180 });
  const g = canvas.getContext('2d');
  const stream = canvas.captureStream(0);
  const track = stream.getVideoTracks()[0];
  let n = 0;
  setTimeout(() => setInterval(() => {
    g.fillStyle = 'hsl(' + ((n * 7 + i * 60) % 360) + ',60%,40%)';
    g.fillRect(0, 0, 320, 180);
    g.fillStyle = '#fff';
    g.font = '40px sans-serif';
    g.fillText(i + ':' + n++, 20, 100);
    track.requestFrame();
  }, 100), i * 17);
  const tile = Object.assign(document.createElement('div'), { className: 'tile' });
  const video = Object.assign(document.createElement('video'), { muted: true, autoplay: true, playsInline: true, srcObject: stream });
  const name = Object.assign(document.createElement('span'), { className: 'name', textContent: 'Person ' + i });
  tile.append(video, name);
  grid.append(tile);
}
</script>`;
}

/** CPU of the browser's processes over a window, % of one core: all of it, and the GPU process's compositor thread. */
function cpuSince(pid: number, before: Map<string, number>, seconds: number): { total: number; compositor: number } {
  const after = threadTicks(descendants(pid).concat(pid));
  let total = 0;
  let compositor = 0;
  for (const [key, ticks] of after) {
    const d = ticks - (before.get(key) ?? 0);
    if (d <= 0) continue;
    total += d;
    if (key.startsWith('gpu-process / VizCompositor')) compositor += d;
  }
  const pct = (t: number) => Math.round(((t / HZ / seconds) * 100) * 10) / 10;
  return { total: pct(total), compositor: pct(compositor) };
}

const { browser, pid } = await launchTracked(() => launchBrowser({ fakeDevices: false }));
if (pid === null) throw new Error('could not find the browser process');
const order = Object.keys(STYLES) as Style[];
try {
  for (let r = 0; r < ROUNDS; r++) {
    for (const style of r % 2 ? [...order].reverse() : order) {
      const context = await browser.newContext({ viewport: { width: VIEW_W, height: VIEW_H } });
      const tab = await context.newPage();
      await tab.setContent(page(style));
      await tab.waitForTimeout(4000);
      const before = threadTicks(descendants(pid).concat(pid));
      const started = Date.now();
      await tab.waitForTimeout(WINDOW_S * 1000);
      const { total, compositor } = cpuSince(pid, before, (Date.now() - started) / 1000);
      const frames = await tab.evaluate(() => [...document.querySelectorAll('video')].reduce((n, v) => n + v.getVideoPlaybackQuality().totalVideoFrames, 0));
      process.stdout.write(`round ${r + 1} ${style.padEnd(8)} browser ${total} % of a core, compositor thread ${compositor} %, ${frames} frames presented since load\n`);
      await context.close();
    }
  }
} finally {
  await browser.close();
}
