import type { StoredRelease } from "../../core/release.js";
import { decodeRelease } from "../release-codec.js";

/*
 * Releases taken out of a month file's bytes without parsing the whole file: a search that shows
 * twenty releases from twenty months would otherwise parse twenty files of a megabyte or two. The
 * file is what JSON.stringify gives for `{"releases": {id: release, …}}`, so an id written as a key
 * (`"id":` right after `{` or `,`) can only be a release's key: inside a string a quote is always
 * escaped. The release's object runs to its matching brace; it is parsed alone and kept only if it
 * is whole and carries that id. Anything else is left to the caller (which reads the whole file).
 */

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;

/** The index just past the JSON object starting at `start`, or -1 when it does not close. */
function objectEnd(bytes: Buffer, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

/** The releases of `ids` found in a month file's bytes (those not found are simply absent). */
export function pickReleases(bytes: Buffer, ids: readonly string[]): Map<string, StoredRelease> {
  const out = new Map<string, StoredRelease>();
  for (const id of new Set(ids)) {
    const needle = Buffer.from(`${JSON.stringify(id)}:`);
    let at = bytes.indexOf(needle);
    while (at > 0 && bytes[at - 1] !== OPEN_BRACE && bytes[at - 1] !== COMMA) at = bytes.indexOf(needle, at + 1);
    if (at <= 0) continue;
    const start = at + needle.length;
    if (bytes[start] !== OPEN_BRACE) continue;
    const end = objectEnd(bytes, start);
    if (end < 0) continue;
    try {
      const release = decodeRelease(JSON.parse(bytes.toString("utf8", start, end)) as StoredRelease);
      if (release?.id === id) out.set(id, release);
    } catch {
      // not whole: the caller reads the file
    }
  }
  return out;
}
