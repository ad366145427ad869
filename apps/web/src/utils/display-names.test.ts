import { describe, expect, it } from 'vitest';
import { displayNames } from './display-names';

describe('displayNames', () => {
  it('leaves distinct names alone', () => {
    const labels = displayNames([
      { id: 'k3Xq9aaaaaaa', nick: 'Alice' },
      { id: 'Zr0pbbbbbbbb', nick: 'Bob' },
    ]);
    expect([...labels.values()]).toEqual(['Alice', 'Bob']);
  });

  it('tags every holder of a duplicate name with a prefix of their id', () => {
    const labels = displayNames([
      { id: 'k3Xq9aaaaaaa', nick: 'Alice' },
      { id: 'Zr0pbbbbbbbb', nick: 'Alice' },
      { id: 'Mm11cccccccc', nick: 'Bob' },
    ]);
    expect(labels.get('k3Xq9aaaaaaa')).toBe('Alice #k3Xq');
    expect(labels.get('Zr0pbbbbbbbb')).toBe('Alice #Zr0p');
    expect(labels.get('Mm11cccccccc')).toBe('Bob');
  });

  it('counts names that differ only in case, width or spacing as the same', () => {
    const labels = displayNames([
      { id: 'aaaa1', nick: 'Alice' },
      { id: 'bbbb2', nick: 'ａｌｉｃｅ' },
      { id: 'cccc3', nick: ' alice ' },
    ]);
    expect(labels.get('aaaa1')).toBe('Alice #aaaa');
    expect(labels.get('bbbb2')).toBe('ａｌｉｃｅ #bbbb');
    expect(labels.get('cccc3')).toBe(' alice  #cccc');
  });

  it('lengthens the tag until the ids differ', () => {
    const labels = displayNames([
      { id: 'abcdef1', nick: 'Sam' },
      { id: 'abcdeg2', nick: 'Sam' },
    ]);
    expect(labels.get('abcdef1')).toBe('Sam #abcdef');
    expect(labels.get('abcdeg2')).toBe('Sam #abcdeg');
  });

  it('gives everyone the same labels whatever the order of the list', () => {
    const people = [
      { id: 'k3Xq9aaaaaaa', nick: 'Alice' },
      { id: 'Zr0pbbbbbbbb', nick: 'Alice' },
    ];
    expect(displayNames([...people].reverse())).toEqual(displayNames(people));
  });
});
