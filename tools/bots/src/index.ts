/**
 * @packageDocumentation
 * Lightweight meshmeet participants (werift, no browser) that send a prerecorded VP8 +
 * Opus clip: the load for rooms bigger than this machine can fill with browsers.
 */
export { Bot, type BotOptions, type Received } from './bot.js';
export { ClipPlayer, ensureClip, hasFfmpeg, type ClipOptions } from './clip.js';
