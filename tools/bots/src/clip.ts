/**
 * The prerecorded media a bot sends: a short VP8 + Opus WebM clip made once with ffmpeg
 * (a moving test pattern and a tone), then played in a loop at its own pace by one ffmpeg
 * process that copies (never re-encodes) its packets out as RTP on loopback. Every bot of a
 * run shares that one player, so a room of bots costs one remux, not one encoder per bot.
 *
 * Why a clip and not live encoding: a load test must not spend the CPU it measures on the
 * load generator. Copying packets costs next to nothing; werift then rewrites SSRC,
 * payload type, sequence numbers and timestamps per connection.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { RtpPacket } from 'werift';

/** How the clip looks: small, as a bot in a big room would send. */
export interface ClipOptions {
  /** @default 320 */
  width?: number;
  /** @default 180 */
  height?: number;
  /** @default 15 */
  fps?: number;
  /** VP8 bitrate, kbit/s. @default 250 */
  kbps?: number;
  /** Clip length; it loops. @default 10 */
  seconds?: number;
  /** Where clips are kept between runs. @default <tmpdir>/meshmeet-bots */
  dir?: string;
}

/**
 * Makes (or reuses) the clip and returns its path. Key frames every second, so a browser
 * that joins mid-loop shows a picture within a second (a file cannot answer a PLI).
 */
export function ensureClip(opts: ClipOptions = {}): string {
  const { width = 320, height = 180, fps = 15, kbps = 250, seconds = 10 } = opts;
  const dir = opts.dir ?? join(tmpdir(), 'meshmeet-bots');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `clip-${width}x${height}-${fps}-${kbps}-${seconds}.webm`);
  if (existsSync(file)) return file;
  const partial = `${file}.${process.pid}.part.webm`;
  const r = spawnSync(
    'ffmpeg',
    [
      ...['-hide_banner', '-loglevel', 'error', '-y'],
      ...['-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}`],
      ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:beep_factor=4'],
      ...['-t', String(seconds), '-map', '0:v', '-map', '1:a'],
      ...['-c:v', 'libvpx', '-b:v', `${kbps}k`, '-g', String(fps), '-deadline', 'realtime', '-cpu-used', '8', '-pix_fmt', 'yuv420p'],
      ...['-c:a', 'libopus', '-b:a', '32k', '-ac', '1', '-frame_duration', '20'],
      partial,
    ],
    { encoding: 'utf8' },
  );
  if (r.error) throw new Error(`cannot run ffmpeg to make the bots' clip: ${r.error.message} (install ffmpeg)`);
  if (r.status !== 0) throw new Error(`ffmpeg failed to make the bots' clip: ${r.stderr.trim()}`);
  renameSync(partial, file);
  return file;
}

/**
 * Receives every RTP packet of one kind from the shared player, parsed once for all
 * listeners: werift's header parser is slow (it splits bytes into strings of bits), and
 * with a Buffer every connection's `writeRtp` would parse the same packet again (42 times
 * a packet in a room of 6 bots and 2 browsers). `writeRtp` clones what it is given, so
 * one parsed packet can be handed to every connection. Listeners must not modify it.
 */
export type PacketListener = (packet: RtpPacket) => void;

/** A looping player of the clip: subscribe to its video and audio RTP packets. */
export class ClipPlayer {
  private readonly listeners = { video: new Set<PacketListener>(), audio: new Set<PacketListener>() };
  private readonly sockets: Socket[] = [];
  private ffmpeg: ChildProcess | null = null;
  private stderr = '';
  /** Packets received per kind since start (a health check for tests). */
  readonly received = { video: 0, audio: 0 };

  private constructor(private readonly file: string) {}

  /** Starts playing `file` in a loop (real time) and resolves once packets flow. */
  static async start(file: string): Promise<ClipPlayer> {
    const player = new ClipPlayer(file);
    try {
      await player.open();
    } catch (error) {
      player.stop();
      throw error;
    }
    return player;
  }

  /** Calls `listener` with every packet of `kind`; returns the unsubscribe function. */
  on(kind: 'video' | 'audio', listener: PacketListener): () => void {
    this.listeners[kind].add(listener);
    return () => this.listeners[kind].delete(listener);
  }

  /** CPU seconds the player's ffmpeg used so far (from /proc; 0 where that is unavailable). */
  cpuSeconds(): number {
    const pid = this.ffmpeg?.pid;
    if (!pid) return 0;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime and stime are fields 14 and 15 of stat (11 and 12 after the command name).
      return (Number(f[11]) + Number(f[12])) / 100;
    } catch {
      return 0;
    }
  }

  /** Stops ffmpeg and closes the sockets. */
  stop(): void {
    this.ffmpeg?.kill('SIGKILL');
    this.ffmpeg = null;
    for (const s of this.sockets.splice(0)) s.close();
  }

  private async open(): Promise<void> {
    const ports = { video: await this.bind('video'), audio: await this.bind('audio') };
    const out = (kind: 'video' | 'audio') => [
      ...['-map', kind === 'video' ? '0:v' : '0:a', '-c', 'copy', '-f', 'rtp'],
      // Small packets: a VP8 frame is split to fit any path's MTU after SRTP and TURN headers.
      `rtp://127.0.0.1:${ports[kind]}?pkt_size=1100`,
    ];
    this.ffmpeg = spawn(
      'ffmpeg',
      ['-hide_banner', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', this.file, ...out('video'), ...out('audio')],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.ffmpeg.stderr!.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-2000)));
    const exited = new Promise<never>((_, reject) =>
      this.ffmpeg!.once('exit', (code) => reject(new Error(`the bots' clip player (ffmpeg) exited with ${code}: ${this.stderr.trim()}`))),
    );
    const flowing = new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (this.received.video > 0 && this.received.audio > 0) {
          clearInterval(check);
          resolve();
        }
      }, 50);
    });
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no RTP from the clip player in 15 s')), 15_000).unref());
    await Promise.race([flowing, exited, timeout]);
    exited.catch(() => undefined);
  }

  private bind(kind: 'video' | 'audio'): Promise<number> {
    const socket = createSocket('udp4');
    this.sockets.push(socket);
    socket.on('message', (raw) => {
      this.received[kind]++;
      let packet: RtpPacket;
      try {
        packet = RtpPacket.deSerialize(raw);
      } catch {
        return;
      }
      for (const l of this.listeners[kind]) {
        try {
          l(packet);
        } catch {
          // One connection's failure must not stop the others' media.
        }
      }
    });
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => resolve(socket.address().port));
    });
  }
}

/** Whether ffmpeg with libvpx and libopus is on PATH (the bots need both). */
export function hasFfmpeg(): boolean {
  const r = spawnSync('ffmpeg', ['-hide_banner', '-encoders'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('libvpx') && r.stdout.includes('libopus');
}
