import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, recordingMessages } from './recording';

describe('recording strings', () => {
  it('translates every key into 简体中文 and keeps placeholders', () => {
    const { en, 'zh-CN': zh } = recordingMessages;
    for (const key of Object.keys(en) as Array<keyof typeof en>) {
      expect(zh[key], key).toBeTruthy();
      const placeholders = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
      expect(placeholders(zh[key]), key).toEqual(placeholders(en[key]));
    }
  });

  it('keeps the English names tests rely on', () => {
    const { en } = recordingMessages;
    expect([en['rec.recordScreen'], en['rec.recordMeeting'], en['rec.stop'], en['share.start'], en['share.stop'], en['panel.download']]).toEqual([
      'Record screen',
      'Record meeting',
      'Stop recording',
      'Share screen',
      'Stop sharing',
      'Download',
    ]);
  });

  it('formats sizes and durations', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(50 * 1024 * 1024)).toBe('50 MB');
    expect(formatDuration(65_000)).toBe('1:05');
    expect(formatDuration(3_725_000)).toBe('1:02:05');
    expect(formatDuration(null)).toBe('–');
  });
});
