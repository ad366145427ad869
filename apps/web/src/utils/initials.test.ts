import { describe, expect, it } from 'vitest';
import { initials } from './initials';

describe('initials', () => {
  it('takes the first letters of up to two words', () => {
    expect(initials('ada lovelace byron')).toBe('AL');
    expect(initials('  Grace ')).toBe('G');
  });

  it('handles CJK names, emoji and empty input', () => {
    expect(initials('王小明')).toBe('王');
    expect(initials('😀 smile')).toBe('😀S');
    expect(initials('   ')).toBe('?');
  });
});
