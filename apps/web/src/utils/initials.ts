/**
 * One or two letters for an avatar: the first letter of the first two words, or the
 * first character of a name without spaces (works for 中文 names: "王小明" → "王").
 */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return '?';
  const first = [...words[0]!][0] ?? '?';
  const second = words.length > 1 ? ([...words[1]!][0] ?? '') : '';
  return (first + second).toUpperCase();
}
