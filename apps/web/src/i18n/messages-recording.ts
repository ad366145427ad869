/**
 * Strings of the recording UI (screen and meeting recording, recovery, the recordings
 * panel), English and 简体中文. Part of the one app catalog (`messages-en.ts`), kept in
 * its own file so the feature's wording changes in one place. Labels marked "test
 * name" are what end-to-end tests click or read.
 */

/** English. */
export const recordingEn = {
  'rec.recordScreen': 'Record screen', // test name
  'rec.recordMeeting': 'Record meeting', // test name
  'rec.stop': 'Stop recording', // test name
  'rec.pause': 'Pause recording',
  'rec.resume': 'Resume recording',
  'rec.finalizing': 'Saving recording…',
  'rec.paused': 'Paused',
  'rec.status': 'Recording {time} · {size}',
  'rec.options': 'Recording options',
  'rec.systemAudio': 'Include tab or system audio',
  'rec.microphone': 'Include my microphone',
  'rec.memoryWarning':
    'This browser has no private file storage: the recording is kept in memory (about {rate} per minute) and is lost if the page closes. Keep recordings short.',
  'rec.saved': 'Recording saved ({time}).',
  'rec.noSystemAudioRecorded': 'This recording has no tab or system sound: the browser captured none.', // test name
  'rec.withMicrophone': 'Record again with my microphone',
  'rec.noSystemAudio':
    'Firefox records the screen without its sound (it does not capture tab or system audio). Include your microphone to record your voice.', // test name
  'consent.self': 'You are recording',
  'consent.peer': '{name} is recording',
  'recovery.title': 'Unfinished recording found',
  'recovery.body': 'A recording from {when} ({size}) was interrupted. Recover it from what was saved?',
  'recovery.recover': 'Recover recording', // test name
  'recovery.discard': 'Discard',
  'recovery.working': 'Recovering…',
  'recovery.nothing': 'A recording from {when} was interrupted before anything playable was saved, so there is no file to recover.',
  'recovery.dismiss': 'Dismiss', // test name
  'recovery.done': 'The recording from {when} is recovered ({time}).',
  'recovery.download': 'Download recording', // test name
  'recovery.close': 'Close',
  'panel.title': 'Recordings',
  'panel.empty': 'No recordings yet. Use "Record screen" or "Record meeting".',
  'panel.download': 'Download', // test name
  'panel.delete': 'Delete',
  'panel.play': 'Play',
  'panel.hide': 'Hide player',
  'panel.storage': 'Storage: {used} used, {free} free',
  'panel.storageUnknown': 'Storage use unknown',
  'panel.notSeekable': 'Could not add seeking information; the file plays from the start.',
  'panel.kind.screen': 'Screen',
  'panel.kind.meeting': 'Meeting',
  'panel.inProgress': 'Recording…',
  'panel.interrupted': 'Interrupted',
  'panel.memoryOnly': 'Recordings are kept in memory only and disappear when you close this page.',
  'panel.confirmDelete': 'Delete this recording?',
  'rec.err.PERMISSION_DENIED': 'Screen capture was cancelled or blocked. Choose a screen, window or tab, or allow screen capture in the browser settings.',
  'rec.err.NO_DEVICE': 'Nothing could be captured. Check that a screen or microphone is available, then try again.',
  'rec.err.DEVICE_BUSY': 'The screen or microphone is in use by another application. Close it and try again.',
  'rec.err.UNSUPPORTED': 'This browser cannot capture or record video. Use a recent Chrome, Edge or Firefox.',
  'rec.err.STORAGE_FULL': 'Browser storage is full. Delete old recordings in the Recordings panel and try again.',
  'rec.err.ALREADY_RECORDING': 'A recording is already running. Stop it first.',
  'rec.err.RECORDER_FAILED': 'Recording stopped unexpectedly. What was recorded so far has been saved.',
  'rec.err.FINALIZE_FAILED': 'The recording could not be saved completely.',
  'rec.err.NOTHING_SAVED': 'Nothing playable was saved: the recording ended before its first frame was stored.',
  'rec.err.NOT_IN_CALL': 'Join a call to record the meeting.',
  'rec.err.NOTICE_FAILED':
    'Recording did not start: the others in the call could not be told that you are recording. Check your connection and try again once the call is connected.',
  'rec.err.dismiss': 'Dismiss',
} as const;

/** 简体中文, typed against the English keys so a missing one fails the typecheck. */
export const recordingZh: Readonly<Record<keyof typeof recordingEn, string>> = {
  'rec.recordScreen': '录制屏幕',
  'rec.recordMeeting': '录制会议',
  'rec.stop': '停止录制',
  'rec.pause': '暂停录制',
  'rec.resume': '继续录制',
  'rec.finalizing': '正在保存录制…',
  'rec.paused': '已暂停',
  'rec.status': '录制中 {time} · {size}',
  'rec.options': '录制选项',
  'rec.systemAudio': '包含标签页或系统声音',
  'rec.microphone': '包含我的麦克风',
  'rec.memoryWarning': '此浏览器没有私有文件存储：录制内容保存在内存中（每分钟约 {rate}），关闭页面即丢失。请尽量缩短录制。',
  'rec.saved': '录制已保存（{time}）。',
  'rec.noSystemAudioRecorded': '这段录制没有标签页或系统声音：浏览器没有捕获到声音。',
  'rec.withMicrophone': '改为录制我的麦克风并重新开始',
  'rec.noSystemAudio': 'Firefox 录制屏幕时没有声音（它不捕获标签页或系统声音）。勾选麦克风可录下你的声音。',
  'consent.self': '你正在录制',
  'consent.peer': '{name} 正在录制',
  'recovery.title': '发现未完成的录制',
  'recovery.body': '{when} 的一段录制（{size}）被中断。要用已保存的内容恢复吗？',
  'recovery.recover': '恢复录制',
  'recovery.discard': '丢弃',
  'recovery.working': '正在恢复…',
  'recovery.nothing': '{when} 的一段录制在保存任何可播放内容之前就被中断，没有可恢复的文件。',
  'recovery.dismiss': '知道了',
  'recovery.done': '{when} 的录制已恢复（{time}）。',
  'recovery.download': '下载录制',
  'recovery.close': '关闭',
  'panel.title': '录制列表',
  'panel.empty': '还没有录制。使用"录制屏幕"或"录制会议"。',
  'panel.download': '下载',
  'panel.delete': '删除',
  'panel.play': '播放',
  'panel.hide': '隐藏播放器',
  'panel.storage': '存储：已用 {used}，可用 {free}',
  'panel.storageUnknown': '存储用量未知',
  'panel.notSeekable': '无法写入跳转信息，文件只能从头播放。',
  'panel.kind.screen': '屏幕',
  'panel.kind.meeting': '会议',
  'panel.inProgress': '录制中…',
  'panel.interrupted': '已中断',
  'panel.memoryOnly': '录制只保存在内存中，关闭页面后即消失。',
  'panel.confirmDelete': '删除这段录制？',
  'rec.err.PERMISSION_DENIED': '屏幕捕获被取消或阻止。请选择一个屏幕、窗口或标签页，或在浏览器设置中允许屏幕捕获。',
  'rec.err.NO_DEVICE': '没有可捕获的内容。请确认有可用的屏幕或麦克风后重试。',
  'rec.err.DEVICE_BUSY': '屏幕或麦克风正被其他应用占用。请关闭该应用后重试。',
  'rec.err.UNSUPPORTED': '此浏览器无法捕获或录制视频。请使用新版 Chrome、Edge 或 Firefox。',
  'rec.err.STORAGE_FULL': '浏览器存储已满。请在录制列表中删除旧录制后重试。',
  'rec.err.ALREADY_RECORDING': '已有录制在进行。请先停止。',
  'rec.err.RECORDER_FAILED': '录制意外停止。已录制的内容已保存。',
  'rec.err.FINALIZE_FAILED': '录制未能完整保存。',
  'rec.err.NOTHING_SAVED': '没有保存任何可播放的内容：录制在第一帧保存之前就结束了。',
  'rec.err.NOT_IN_CALL': '加入通话后才能录制会议。',
  'rec.err.NOTICE_FAILED': '录制没有开始：无法通知通话中的其他人你正在录制。请检查网络连接，待通话恢复连接后重试。',
  'rec.err.dismiss': '关闭',
};
