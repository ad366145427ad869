import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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

  it('translate every key (no empty or missing string)', () => {
    expect(Object.keys(zhCN).sort()).toEqual(Object.keys(en).sort());
    for (const [key, text] of Object.entries(zhCN)) expect(text.trim(), key).not.toBe('');
  });

  it('still hold every button and field name the browser journeys look for', () => {
    // Journeys find controls by their visible English name; a renamed string must fail here, not in a 20 s locator timeout.
    const root = fileURLToPath(new URL('../../../../', import.meta.url));
    const sources = ['e2e', 'e2e/support', 'tools/testkit/src', 'tools/testkit/src/lab']
      .flatMap((dir) => readdirSync(join(root, dir)).filter((f) => f.endsWith('.ts')).map((f) => join(root, dir, f)))
      .map((f) => readFileSync(f, 'utf8'));
    const locator = /(?:getByRole\('button', \{ name: |getByLabel\(|clickButton\([\w!.]+, |waitButton\([\w!.]+, |firefoxClick\(\w+, )'([^']+)'/g;
    const names = new Set(sources.flatMap((text) => [...text.matchAll(locator)].map((m) => m[1]!)));
    expect(names.size).toBeGreaterThan(10);
    const english = new Set<string>(Object.values(en));
    const missing = [...names].filter((name) => !english.has(name));
    expect(missing).toEqual([]);
  });
});
