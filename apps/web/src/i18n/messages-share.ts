/**
 * Strings of screen sharing, English and 简体中文. Part of the one app catalog
 * (`messages-en.ts`). Labels marked "test name" are what end-to-end tests click or read.
 */

/** English. */
export const shareEn = {
  'share.start': 'Share screen', // test name
  'share.stop': 'Stop sharing', // test name
  'share.sharing': 'You are sharing your screen',
  'share.noAudio': 'Your screen is shared without sound: this browser gave no tab or system audio (Firefox never does).', // test name
  'share.err.PERMISSION_DENIED': 'Screen sharing was cancelled or blocked. Choose a screen, window or tab, or allow screen capture in the browser settings.',
  'share.err.NO_SOURCE': 'There is no screen to share. Check that a screen or window is available, then try again.',
  'share.err.SOURCE_BUSY': 'The screen could not be read; another application may be holding it. Close it and try again.',
  'share.err.UNSUPPORTED': 'This browser cannot share the screen. Use a recent Chrome, Edge or Firefox on a computer.',
  'share.err.SHARE_FAILED': 'Sharing the screen failed: {message}',
  'share.dismiss': 'Dismiss',
} as const;

/** 简体中文, typed against the English keys so a missing one fails the typecheck. */
export const shareZh: Readonly<Record<keyof typeof shareEn, string>> = {
  'share.start': '共享屏幕',
  'share.stop': '停止共享',
  'share.sharing': '你正在共享屏幕',
  'share.noAudio': '屏幕已共享，但没有声音：此浏览器未提供标签页或系统声音（Firefox 从不提供）。',
  'share.err.PERMISSION_DENIED': '屏幕共享被取消或阻止。请选择一个屏幕、窗口或标签页，或在浏览器设置中允许屏幕捕获。',
  'share.err.NO_SOURCE': '没有可共享的屏幕。请确认有可用的屏幕或窗口后重试。',
  'share.err.SOURCE_BUSY': '无法读取屏幕，可能正被其他应用占用。请关闭该应用后重试。',
  'share.err.UNSUPPORTED': '此浏览器无法共享屏幕。请在电脑上使用新版 Chrome、Edge 或 Firefox。',
  'share.err.SHARE_FAILED': '屏幕共享失败：{message}',
  'share.dismiss': '关闭',
};
