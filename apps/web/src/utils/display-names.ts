/**
 * Names as the call shows them, with duplicates told apart.
 *
 * Two people may pick the same name (or names that differ only in case, width or
 * compatibility forms, such as "Alice" and "ａｌｉｃｅ"). Each of them is then shown with a
 * tag taken from their participant id: "Alice #k3Xq". The tag comes from the id, not
 * from join order, so every participant sees the same label for the same person and
 * "I am Alice #k3Xq" means the same thing on every screen.
 */

/** Someone with a server-assigned id and a chosen name. */
export interface NamedPeer {
  id: string;
  nick: string;
}

/** Shortest id prefix used as a tag. */
const MIN_TAG = 4;

/** The form under which two names count as the same (case, width and spacing ignored). */
export function nameKey(nick: string): string {
  return nick.normalize('NFKC').toLocaleLowerCase().replace(/\s+/g, ' ').trim();
}

/**
 * The label of everyone by id: their name, or `name #tag` when another person in the
 * list has the same name. Tags are the shortest id prefixes (at least 4 characters)
 * that differ within each group of equal names.
 */
export function displayNames(people: readonly NamedPeer[]): Map<string, string> {
  const groups = new Map<string, NamedPeer[]>();
  for (const p of people) {
    const key = nameKey(p.nick);
    const group = groups.get(key);
    if (group) group.push(p);
    else groups.set(key, [p]);
  }
  const labels = new Map<string, string>();
  for (const group of groups.values()) {
    if (group.length === 1) {
      labels.set(group[0]!.id, group[0]!.nick);
      continue;
    }
    const tagLength = uniquePrefixLength(group.map((p) => p.id));
    for (const p of group) labels.set(p.id, `${p.nick} #${p.id.slice(0, tagLength)}`);
  }
  return labels;
}

/** The shortest length (≥ MIN_TAG) at which the prefixes of `ids` are all different. */
function uniquePrefixLength(ids: readonly string[]): number {
  const longest = Math.max(...ids.map((id) => id.length));
  for (let n = MIN_TAG; n < longest; n++) {
    if (new Set(ids.map((id) => id.slice(0, n))).size === ids.length) return n;
  }
  return longest;
}
