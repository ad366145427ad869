/**
 * Entry point of one bot process of a {@link BotFleet} (started with `fork`, never by hand).
 * It plays the clip itself (its own ffmpeg remux, about 1 % of a core) and runs one bot,
 * driven over the IPC channel by the messages of `fleet-messages.ts`.
 *
 * Why a process per bot: a bot's work is per packet (SRTP, RTP rewriting, RTCP) for every
 * peer, all on one event loop. Six bots in one process need about a whole core, and on a
 * busy machine that one thread gets only part of it: its event loop then runs a second
 * late, werift's ICE consent checks (RFC 7675) time out although their answers sit in the
 * socket, and after 30 s every connection of every bot is failed and sends nothing.
 */
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { ClipPlayer } from './clip.js';
import { Bot } from './bot.js';
import type { FromWorker, ToWorker } from './fleet-messages.js';

let player: ClipPlayer | null = null;
/** How late this process's event loop runs: what a bot's STUN answers and checks wait for. */
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

/** Main thread's ms on CPU and ms runnable but waiting for a CPU (Linux; zeros elsewhere). */
function sched(): { runMs: number; waitMs: number } {
  try {
    const [run, wait] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ').map(Number);
    return { runMs: run! / 1e6, waitMs: wait! / 1e6 };
  } catch {
    return { runMs: 0, waitMs: 0 };
  }
}
let bot: Bot | null = null;

const reply = (msg: FromWorker) => process.send?.(msg);

async function handle(msg: ToWorker): Promise<void> {
  switch (msg.type) {
    case 'join': {
      try {
        player = await ClipPlayer.start(msg.clip);
        bot = await Bot.join({
          server: msg.server,
          room: msg.room,
          nick: msg.nick,
          password: msg.password,
          player,
          onError: (e) => reply({ type: 'log', message: String(e) }),
          onStateChange: (peer, what, state) => reply({ type: 'state', peer, what, state }),
        });
        reply({ type: 'joined', id: bot.id });
      } catch (e) {
        reply({ type: 'failed', message: (e as Error).message });
      }
      return;
    }
    case 'stats': {
      const cpu = process.cpuUsage();
      const peers = bot?.peers() ?? [];
      reply({
        type: 'stats',
        cpuS: (cpu.user + cpu.system) / 1e6 + (player?.cpuSeconds() ?? 0),
        loopDelayMs: { p50: loopDelay.percentile(50) / 1e6, p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 },
        ...sched(),
        peers: await Promise.all(
          peers.map(async (id) => ({
            id,
            state: bot!.connectionState(id) ?? 'missing',
            received: bot!.received(id)!,
            sent: bot!.sent(id)!,
            ice: await bot!.iceStats(id).catch(() => null),
          })),
        ),
      });
      loopDelay.reset();
      return;
    }
    case 'leave': {
      await bot?.leave().catch(() => undefined);
      player?.stop();
      reply({ type: 'left' });
      // werift keeps handles open after close: exit rather than wait for them.
      setTimeout(() => process.exit(0), 50);
      return;
    }
  }
}

process.on('message', (msg: ToWorker) => void handle(msg));
// An orphaned bot must not stay in the room: leave with the parent.
process.on('disconnect', () => {
  player?.stop();
  process.exit(0);
});
