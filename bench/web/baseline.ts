/**
 * The floor under the join → first frame figure: what this browser needs to get a first
 * decoded frame across a fresh WebRTC connection when nothing else is in the way. Two
 * RTCPeerConnections live in ONE page and hand each other their descriptions and trickled
 * candidates by direct calls, so there is no signaling server, no network hop for
 * signaling, no test-driver round trip and no waiting for ICE gathering to finish; the
 * clock (the page's own `performance.now()`) runs from "create the connections" to the
 * receiver's first decoded frame, with the same fake camera and capture size as the app
 * scenarios, already running. The app cannot beat this number; the gap to the app's
 * figure is what the app, its signaling and the second renderer add.
 */
import type { Browser } from 'playwright-core';
import { openParticipant, type Participant } from '@meshmeet/testkit/browser';

/** Outcome of the control: first-frame times of the finished trials, and how many timed out. */
export interface FloorTimes {
  times: number[];
  /** Trials with no decoded frame within the trial timeout (or that threw). */
  failures: number;
  /** Why the first failed trial failed, when it threw rather than timed out. */
  firstError?: string;
}

/**
 * One trial inside the page: offer → answer → trickle between two local connections.
 * Resolves the ms from connection creation to the first decoded frame, or `null` after
 * `timeoutMs`.
 */
function trialInPage(args: { width: number; height: number; fps: number; timeoutMs: number }): Promise<number | null> {
  const w = window as unknown as { __stream?: Promise<MediaStream> };
  w.__stream ??= navigator.mediaDevices.getUserMedia({
    video: { width: args.width, height: args.height, frameRate: args.fps },
    audio: true,
  });
  return w.__stream.then(
    (stream) =>
      new Promise<number | null>((resolve) => {
        const video = document.createElement('video');
        video.muted = true;
        video.autoplay = true;
        document.body.append(video);
        const t0 = performance.now();
        const sender = new RTCPeerConnection();
        const receiver = new RTCPeerConnection();
        let settled = false;
        const finish = (value: number | null) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          sender.close();
          receiver.close();
          video.remove();
          resolve(value);
        };
        const timer = setTimeout(() => finish(null), args.timeoutMs);
        // Trickle: each candidate goes straight to the other side as it is found.
        sender.addEventListener('icecandidate', (e) => e.candidate && void receiver.addIceCandidate(e.candidate).catch(() => undefined));
        receiver.addEventListener('icecandidate', (e) => e.candidate && void sender.addIceCandidate(e.candidate).catch(() => undefined));
        receiver.addEventListener('track', (e) => {
          if (e.track.kind !== 'video' || video.srcObject) return;
          video.srcObject = e.streams[0] ?? new MediaStream([e.track]);
          const done = () => finish(performance.now() - t0);
          video.requestVideoFrameCallback(done);
          video.addEventListener('loadeddata', done, { once: true });
        });
        for (const track of stream.getTracks()) sender.addTrack(track, stream);
        void (async () => {
          await sender.setLocalDescription();
          await receiver.setRemoteDescription(sender.localDescription!);
          await receiver.setLocalDescription();
          await sender.setRemoteDescription(receiver.localDescription!);
        })().catch(() => finish(null));
      }),
  );
}

/**
 * Runs `trials` (after one warm-up) of the in-page floor in a fresh context opened at
 * `url` (any page of the server's origin, e.g. /healthz). Times in ms.
 */
export async function bareWebRtcFloor(
  browser: Browser,
  url: string,
  trials: number,
  size: { width: number; height: number; fps: number },
  timeoutMs = 10_000,
): Promise<FloorTimes> {
  let page: Participant | null = null;
  try {
    page = await openParticipant(browser, url, 'bare-floor');
    const out: FloorTimes = { times: [], failures: 0 };
    for (let i = 0; i < trials + 1; i++) {
      let error: string | undefined;
      const ms = await page.page.evaluate(trialInPage, { ...size, timeoutMs }).catch((err: Error) => {
        error = err.message.split('\n')[0];
        return null;
      });
      if (i === 0) continue; // warm-up: first getUserMedia and codec start-up
      if (ms !== null) {
        out.times.push(ms);
        continue;
      }
      out.failures++;
      out.firstError ??= error;
    }
    return out;
  } finally {
    await page?.context.close().catch(() => undefined);
  }
}
