/*
 * The shapes of search keys: made by src/match (`releaseSearchKeys`, query clauses) and stored by
 * the engines, which may treat word pairs apart (PostgreSQL does not index them).
 */

/** The key of a `kind:` value; terms are alphanumeric, so it cannot clash with a term (a kind of several words holds spaces). */
export function kindKey(value: string): string {
  return `kind:${value}`;
}

/** The key of two terms next to each other in one piece of text (terms hold no space, so it is no term). */
export function pairKey(first: string, second: string): string {
  return `${first} ${second}`;
}

/** Whether a key is a word pair (`pairKey`): it holds a space and is no `kind:` key. */
export function isPairKey(key: string): boolean {
  return key.includes(" ") && !key.startsWith("kind:");
}
