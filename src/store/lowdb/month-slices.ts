/*
 * A month file (`{"releases":{"<id>":{…},…}}`) cut into each release's JSON text without parsing
 * the releases: a reader that needs a few releases of a month (the server testing candidates, a
 * lookup by key) parses only those. The cut checks the file's frame (the object, the keys, that
 * every value is a balanced object); the text of each release is checked by JSON.parse when it is
 * first read, or before the month is written again.
 */

const QUOTE = 34;
const BACKSLASH = 92;

const isSpace = (c: number | undefined): boolean => c === 32 || c === 10 || c === 13 || c === 9;

function skipSpace(bytes: Buffer, at: number): number {
  while (at < bytes.length && isSpace(bytes[at])) at++;
  return at;
}

/** The index just after the string that starts at `at` (a `"`), or -1 when it never closes. */
function endOfString(bytes: Buffer, at: number): number {
  let from = at + 1;
  for (;;) {
    const quote = bytes.indexOf(QUOTE, from);
    if (quote < 0) return -1;
    let backslashes = 0;
    while (bytes[quote - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

/** The index just after the object or array that starts at `at`, or -1 when it is not balanced. */
function endOfValue(bytes: Buffer, at: number): number {
  let depth = 0;
  for (let i = at; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (c === QUOTE) {
      const end = endOfString(bytes, i);
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
const RELEASES_KEY = Buffer.from('"releases"');

/**
 * Each release's id and JSON text, in file order (what `Object.entries(JSON.parse(text).releases)`
 * gives, unparsed); undefined when the file is not exactly that frame (parse it whole instead: it
 * may be corrupt, or of another shape). The frame is read in the file's bytes (its characters are
 * ASCII, and no byte of a longer UTF-8 character is ASCII), and only each release's own text is
 * decoded: a month decoded whole was a string of a megabyte or two, in fresh pages every time.
 */
export function sliceMonth(bytes: Buffer): Map<string, string> | undefined {
  const out = new Map<string, string>();
  let at = skipSpace(bytes, 0);
  if (bytes[at] !== 123) return undefined;
  at = skipSpace(bytes, at + 1);
  if (!bytes.subarray(at, at + RELEASES_KEY.length).equals(RELEASES_KEY)) return undefined;
  at = skipSpace(bytes, at + RELEASES_KEY.length);
  if (bytes[at] !== 58) return undefined;
  at = skipSpace(bytes, at + 1);
  if (bytes[at] !== 123) return undefined;
  at = skipSpace(bytes, at + 1);
  if (bytes[at] === 125) at++;
  else {
    for (;;) {
      if (bytes[at] !== QUOTE) return undefined;
      const keyEnd = endOfString(bytes, at);
      if (keyEnd < 0) return undefined;
      let id: unknown;
      try {
        id = JSON.parse(bytes.toString("utf8", at, keyEnd));
      } catch {
        return undefined;
      }
      if (typeof id !== "string" || ARRAY_INDEX.test(id)) return undefined;
      at = skipSpace(bytes, keyEnd);
      if (bytes[at] !== 58) return undefined;
      at = skipSpace(bytes, at + 1);
      if (bytes[at] !== 123) return undefined;
      const end = endOfValue(bytes, at);
      if (end < 0) return undefined;
      // A repeated key: JSON.parse keeps the last value at the first one's place, as a Map does.
      out.set(id, bytes.toString("utf8", at, end));
      at = skipSpace(bytes, end);
      const c = bytes[at];
      if (c === 125) {
        at++;
        break;
      }
      if (c !== 44) return undefined;
      at = skipSpace(bytes, at + 1);
    }
  }
  at = skipSpace(bytes, at);
  if (bytes[at] !== 125) return undefined;
  return skipSpace(bytes, at + 1) === bytes.length ? out : undefined;
}
