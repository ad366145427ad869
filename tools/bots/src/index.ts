/**
 * @packageDocumentation
 * Lightweight meshmeet participants (werift, no browser) that send a prerecorded VP8 +
 * Opus clip: the load for rooms bigger than this machine can fill with browsers.
 */
export { Bot, type BotOptions, type Received } from './bot.js';
export { BotFleet, type BotReport, type FleetOptions } from './fleet.js';
export type { PeerReport } from './fleet-messages.js';
export { ClipPlayer, ensureClip, hasFfmpeg, type ClipOptions } from './clip.js';
