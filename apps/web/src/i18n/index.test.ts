import { describe, expect, it } from 'vitest';
import { detectLocale, format } from './index';
import { en } from './messages-en';
import { zhCN } from './messages-zh';

describe('detectLocale', () => {
  it('prefers a saved choice', () => {
    expect(detectLocale('zh-CN', ['en-US'])).toBe('zh-CN');
    expect(detectLocale('en', ['zh-CN'])).toBe('en');
  });

  it('maps any Chinese browser language to 简体中文', () => {
    expect(detectLocale(null, ['zh-TW', 'en'])).toBe('zh-CN');
    expect(detectLocale(null, ['zh'])).toBe('zh-CN');
  });

  it('takes the first language it speaks, English otherwise', () => {
    expect(detectLocale(null, ['fr-FR', 'en-GB', 'zh-CN'])).toBe('en');
    expect(detectLocale('klingon', ['de'])).toBe('en');
    expect(detectLocale(null, [])).toBe('en');
  });
});

describe('format', () => {
  it('fills placeholders and leaves unknown ones visible', () => {
    expect(format('{name} (you)', { name: 'Ada' })).toBe('Ada (you)');
    expect(format('{n} fps {x}', { n: 30 })).toBe('30 fps {x}');
    expect(format('plain')).toBe('plain');
  });
});

describe('catalogs', () => {
  it('keep the same placeholders in every language', () => {
    const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(names(zhCN[key]), key).toEqual(names(en[key]));
    }
  });

  it('keep the English names end-to-end tests rely on', () => {
    expect([en['lobby.room'], en['lobby.name'], en['lobby.join'], en['controls.leave']]).toEqual(['Room', 'Name', 'Join', 'Leave']);
    expect([en['controls.muteMic'], en['controls.unmuteMic'], en['controls.camOff'], en['controls.camOn']]).toEqual([
      'Mute microphone',
      'Unmute microphone',
      'Turn camera off',
      'Turn camera on',
    ]);
  });
});
