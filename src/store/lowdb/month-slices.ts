/*
 * A month file (`{"releases":{"<id>":{…},…}}`) cut into each release's JSON text without parsing
 * the releases: a reader that needs a few releases of a month (the server testing candidates, a
 * lookup by key) parses only those. The cut checks the file's frame (the object, the keys, that
 * every value is a balanced object); the text of each release is checked by JSON.parse when it is
 * first read, or before the month is written again.
 */

const QUOTE = 34;
const BACKSLASH = 92;

const isSpace = (c: number): boolean => c === 32 || c === 10 || c === 13 || c === 9;

function skipSpace(text: string, at: number): number {
  while (at < text.length && isSpace(text.charCodeAt(at))) at++;
  return at;
}

/** The index just after the string that starts at `at` (a `"`), or -1 when it never closes. */
function endOfString(text: string, at: number): number {
  let from = at + 1;
  for (;;) {
    const quote = text.indexOf('"', from);
    if (quote < 0) return -1;
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

/** The index just after the object or array that starts at `at`, or -1 when it is not balanced. */
function endOfValue(text: string, at: number): number {
  let depth = 0;
  for (let i = at; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = endOfString(text, i);
      if (end < 0) return -1;
      i = end - 1;
    } else if (c === 123 || c === 91) depth++;
    else if (c === 125 || c === 93) {
      if (--depth === 0) return i + 1;
    }
  }
  return -1;
}

/** A key that JSON.parse would order before the others (an array index): such files are parsed whole. */
const ARRAY_INDEX = /^(?:0|[1-9]\d{0,9})$/;

/**
 * Each release's id and JSON text, in file order (what `Object.entries(JSON.parse(text).releases)`
 * gives, unparsed); undefined when the text is not exactly that frame (parse it whole instead: it
 * may be corrupt, or of another shape).
 */
export function sliceMonth(text: string): Map<string, string> | undefined {
  const out = new Map<string, string>();
  let at = skipSpace(text, 0);
  if (text.charCodeAt(at) !== 123) return undefined;
  at = skipSpace(text, at + 1);
  if (!text.startsWith('"releases"', at)) return undefined;
  at = skipSpace(text, at + 10);
  if (text.charCodeAt(at) !== 58) return undefined;
  at = skipSpace(text, at + 1);
  if (text.charCodeAt(at) !== 123) return undefined;
  at = skipSpace(text, at + 1);
  if (text.charCodeAt(at) === 125) at++;
  else {
    for (;;) {
      if (text.charCodeAt(at) !== QUOTE) return undefined;
      const keyEnd = endOfString(text, at);
      if (keyEnd < 0) return undefined;
      let id: unknown;
      try {
        id = JSON.parse(text.slice(at, keyEnd));
      } catch {
        return undefined;
      }
      if (typeof id !== "string" || ARRAY_INDEX.test(id)) return undefined;
      at = skipSpace(text, keyEnd);
      if (text.charCodeAt(at) !== 58) return undefined;
      at = skipSpace(text, at + 1);
      if (text.charCodeAt(at) !== 123) return undefined;
      const end = endOfValue(text, at);
      if (end < 0) return undefined;
      // A repeated key: JSON.parse keeps the last value at the first one's place, as a Map does.
      out.set(id, text.slice(at, end));
      at = skipSpace(text, end);
      const c = text.charCodeAt(at);
      if (c === 125) {
        at++;
        break;
      }
      if (c !== 44) return undefined;
      at = skipSpace(text, at + 1);
    }
  }
  at = skipSpace(text, at);
  if (text.charCodeAt(at) !== 125) return undefined;
  return skipSpace(text, at + 1) === text.length ? out : undefined;
}
