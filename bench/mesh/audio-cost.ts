/**
 * Experiment: what the audio of one mesh participant costs, by part. One headless Chromium
 * page sends its microphone over K loopback connections (K Opus encoders) and plays what
 * they receive (K decoders and the mix), like one member of a room of K+1; per variant the
 * CPU of every Chromium thread over a window, grouped by thread name.
 *
 *   unshare -n sh -c "ip link set lo up && node --import tsx bench/mesh/audio-cost.ts [--mic-file talk.wav] [--window 15]"
 */
import { parseArgs } from 'node:util';
import { launchBrowser } from '@meshmeet/testkit/browser';
import { descendants } from '../recording/proc-stats.js';
import { launchTracked } from './room.js';
import { HZ, threadTicks } from './thread-ticks.js';

const { values: args } = parseArgs({ options: { 'mic-file': { type: 'string' }, window: { type: 'string', default: '15' }, rounds: { type: 'string', default: '2' } } });

interface Variant {
  links: number;
  play: boolean;
  processing: boolean;
  /** Extra Opus fmtp parameters on both descriptions. */
  fmtp?: string;
  maxBitrate?: number;
  ptime?: number;
  /** Mute the microphone: its track disabled (`enabled = false`) or taken off the senders (`replaceTrack(null)`). */
  mute?: 'disabled' | 'no-track';
}
const variants: Record<string, Variant> = {
  'mic only': { links: 0, play: false, processing: true },
  '5 links': { links: 5, play: true, processing: true },
  '5 links, not played': { links: 5, play: false, processing: true },
  '5 links, no EC/NS/AGC': { links: 5, play: true, processing: false },
  '5 links, maxBitrate 16k': { links: 5, play: true, processing: true, maxBitrate: 16000 },
  '5 links, ptime 60': { links: 5, play: true, processing: true, ptime: 60 },
  '5 links, muted (enabled = false)': { links: 5, play: true, processing: true, mute: 'disabled' },
  '5 links, muted (replaceTrack(null))': { links: 5, play: true, processing: true, mute: 'no-track' },
  '5 links, maxplaybackrate 16k': { links: 5, play: true, processing: true, fmtp: 'maxplaybackrate=16000;sprop-maxcapturerate=16000' },
};

const pageScript = async (v: Variant) => {
  const mic = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: v.processing, noiseSuppression: v.processing, autoGainControl: v.processing } });
  const munge = (sdp: string) => {
    const pt = /a=rtpmap:(\d+) opus\/48000/.exec(sdp)![1];
    let out = sdp.replace(new RegExp(`a=fmtp:${pt} (.*)`), (_m, p: string) => `a=fmtp:${pt} ${p};usedtx=1${v.fmtp ? ';' + v.fmtp : ''}`);
    if (v.ptime) out = out.replace(/(m=audio[^\r\n]*\r\n)/, `$1a=ptime:${v.ptime}\r\n`);
    return out;
  };
  const pcs: RTCPeerConnection[] = [];
  for (let k = 0; k < v.links; k++) {
    const a = new RTCPeerConnection();
    const b = new RTCPeerConnection();
    pcs.push(a, b);
    a.onicecandidate = (e) => e.candidate && void b.addIceCandidate(e.candidate);
    b.onicecandidate = (e) => e.candidate && void a.addIceCandidate(e.candidate);
    a.addTrack(mic.getAudioTracks()[0]!, mic);
    b.ontrack = (e) => {
      if (!v.play) return;
      const el = new Audio();
      el.srcObject = e.streams[0]!;
      void el.play();
      document.body.append(el);
    };
    const offer = await a.createOffer();
    await a.setLocalDescription({ type: 'offer', sdp: munge(offer.sdp!) });
    await b.setRemoteDescription({ type: 'offer', sdp: munge(offer.sdp!) });
    const answer = await b.createAnswer();
    await b.setLocalDescription({ type: 'answer', sdp: munge(answer.sdp!) });
    await a.setRemoteDescription({ type: 'answer', sdp: munge(answer.sdp!) });
    if (v.maxBitrate) {
      const s = a.getSenders()[0]!;
      const p = s.getParameters();
      p.encodings[0]!.maxBitrate = v.maxBitrate;
      await s.setParameters(p);
    }
  }
  if (v.mute === 'disabled') mic.getAudioTracks()[0]!.enabled = false;
  if (v.mute === 'no-track') for (const pc of pcs) for (const s of pc.getSenders()) await s.replaceTrack(null);
  (window as unknown as { pcs: RTCPeerConnection[] }).pcs = pcs;
};

const packetsSent = () =>
  (async () => {
    const pcs = (window as unknown as { pcs: RTCPeerConnection[] }).pcs;
    let n = 0;
    for (const pc of pcs) (await pc.getStats()).forEach((s: { type: string; kind?: string; packetsSent?: number }) => s.type === 'outbound-rtp' && s.kind === 'audio' && (n += s.packetsSent ?? 0));
    return n;
  })();

const windowS = Number(args.window);
for (let round = 0; round < Number(args.rounds); round++) {
  for (const [name, v] of Object.entries(variants)) {
    const { browser, pid } = await launchTracked(() => launchBrowser({ extraArgs: args['mic-file'] ? [`--use-file-for-fake-audio-capture=${args['mic-file']}`] : [] }));
    if (pid === null) throw new Error('could not find the Chromium process');
    const pids = () => [pid, ...descendants(pid)];
    const page = await browser.newPage();
    // tsx names closures with a helper the page does not have.
    await page.addInitScript('window.__name = (f) => f');
    await page.route('http://localhost/', (r) => r.fulfill({ contentType: 'text/html', body: '<body></body>' }));
    await page.goto('http://localhost/');
    await page.evaluate(pageScript, v);
    await page.waitForTimeout(4000);
    const p0 = await page.evaluate(packetsSent);
    const t0 = threadTicks(pids());
    await page.waitForTimeout(windowS * 1000);
    const t1 = threadTicks(pids());
    const p1 = await page.evaluate(packetsSent);
    await browser.close();
    const per = new Map<string, number>();
    let total = 0;
    for (const [k, t] of t1) {
      const d = t - (t0.get(k) ?? 0);
      if (d > 0) per.set(k, d), (total += d);
    }
    const top = [...per].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([k, d]) => `${k} ${((d / HZ / windowS) * 100).toFixed(1)}`);
    console.log(`${name.padEnd(30)} total ${((total / HZ / windowS) * 100).toFixed(1)} % of a core; audio packets sent/s ${((p1 - p0) / windowS).toFixed(0)}; ${top.join(', ')}`);
  }
}
