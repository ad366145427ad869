/** The IPC messages between a {@link BotFleet} and its bot processes (`worker.ts`). */
import type { Received } from './bot.js';

/** Parent → bot process. */
export type ToWorker =
  | { type: 'join'; server: string; room: string; nick: string; password?: string; clip: string }
  | { type: 'stats' }
  | { type: 'leave' };

/** One connection as a bot process reports it. */
export interface PeerReport {
  id: string;
  state: string;
  received: Received;
  sent: Received;
  /** See `Bot.iceStats`. */
  ice: Record<string, number> | null;
}

/** Bot process → parent. */
export type FromWorker =
  | { type: 'joined'; id: string }
  | { type: 'failed'; message: string }
  | { type: 'log'; message: string }
  | { type: 'state'; peer: string; what: 'ice' | 'connection'; state: string }
  /** `cpuS`: CPU seconds of the bot process and its clip player since they started. */
  | { type: 'stats'; cpuS: number; peers: PeerReport[]; loopDelayMs: { p50: number; p99: number; max: number }; runMs: number; waitMs: number }
  | { type: 'left' };
