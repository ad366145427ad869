/**
 * A control for the join → first frame figure: two bare pages (no app, no signaling
 * server) set up one RTCPeerConnection with the same fake camera and capture size, the
 * SDP carried by the bench driver, and are timed from "start offer" to the first decoded
 * frame. On a busy machine both figures grow together; the gap between them is what the
 * app adds (signaling round trips, UI, the mesh logic).
 */
import type { Browser, Page } from 'playwright-core';
import { openParticipant, type Participant } from '@meshmeet/testkit/browser';

/** Sets up the sender (camera + mic at the given size) and returns its offer (complete ICE). */
async function makeOffer(page: Page, width: number, height: number, fps: number): Promise<{ sdp: string; t0: number }> {
  return page.evaluate(
    async ({ width, height, fps }) => {
      const w = window as unknown as { __pc?: RTCPeerConnection; __stream?: MediaStream };
      w.__pc?.close();
      w.__stream ??= await navigator.mediaDevices.getUserMedia({ video: { width, height, frameRate: fps }, audio: true });
      const t0 = performance.timeOrigin + performance.now();
      const pc = new RTCPeerConnection();
      w.__pc = pc;
      for (const t of w.__stream.getTracks()) pc.addTrack(t, w.__stream);
      await pc.setLocalDescription();
      await new Promise<void>((r) => (pc.iceGatheringState === 'complete' ? r() : pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r())));
      return { sdp: pc.localDescription!.sdp, t0 };
    },
    { width, height, fps },
  );
}

/** Answers in the receiver; resolves the answer SDP and, later, the first-frame time. */
async function answer(page: Page, sdp: string): Promise<string> {
  return page.evaluate(async (sdp) => {
    const w = window as unknown as { __pc?: RTCPeerConnection; __frameAt?: Promise<number> };
    w.__pc?.close();
    document.querySelector('video')?.remove();
    const pc = new RTCPeerConnection();
    w.__pc = pc;
    w.__frameAt = new Promise<number>((resolve) => {
      pc.addEventListener('track', (e) => {
        if (e.track.kind !== 'video') return;
        const v = document.createElement('video');
        v.muted = true;
        v.autoplay = true;
        v.srcObject = e.streams[0] ?? new MediaStream([e.track]);
        document.body.append(v);
        const done = () => resolve(performance.timeOrigin + performance.now());
        v.requestVideoFrameCallback(done);
        v.addEventListener('loadeddata', done, { once: true });
      });
    });
    await pc.setRemoteDescription({ type: 'offer', sdp });
    await pc.setLocalDescription();
    await new Promise<void>((r) => (pc.iceGatheringState === 'complete' ? r() : pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r())));
    return pc.localDescription!.sdp;
  }, sdp);
}

/**
 * Runs `trials` bare offer → first frame exchanges between two fresh contexts opened at
 * `url` (any page of a secure origin, e.g. the server's /healthz). Times in ms.
 */
export async function bareWebRtcFirstFrame(browser: Browser, url: string, trials: number, size: { width: number; height: number; fps: number }): Promise<number[]> {
  const pages: Participant[] = [];
  try {
    const a = await openParticipant(browser, url, 'bare-sender');
    const b = await openParticipant(browser, url, 'bare-receiver');
    pages.push(a, b);
    const out: number[] = [];
    for (let i = 0; i < trials + 1; i++) {
      const offer = await makeOffer(a.page, size.width, size.height, size.fps);
      const ans = await answer(b.page, offer.sdp);
      await a.page.evaluate((sdp) => (window as unknown as { __pc: RTCPeerConnection }).__pc.setRemoteDescription({ type: 'answer', sdp }), ans);
      const frameAt = await b.page.evaluate(() =>
        Promise.race([(window as unknown as { __frameAt: Promise<number> }).__frameAt, new Promise<number>((r) => setTimeout(() => r(NaN), 10_000))]),
      );
      if (i > 0 && Number.isFinite(frameAt)) out.push(frameAt - offer.t0); // the first is a warm-up
    }
    return out;
  } finally {
    await Promise.all(pages.map((p) => p.context.close().catch(() => undefined)));
  }
}
