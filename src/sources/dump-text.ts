/**
 * Text clean-up for the dump parser's hot path. `cleanLine` gives exactly what `cleanText` gives
 * (zero-width marks removed, any run of whitespace or odd spaces becomes one space, ends trimmed;
 * a property test checks it) at a fraction of the cost; the scanners below let the parser skip
 * cleaning altogether for the lines that need none, which is nearly all of them.
 */

const NORMAL = 0;
const SPACE = 1;
const REMOVED = 2;

/** What `cleanText` does with a char: keep it, treat it as whitespace (JS `\s` and odd spaces), or drop it. */
function classify(c: number): number {
  if (c > 32 && c < 127) return NORMAL;
  if (c === 32 || (c >= 9 && c <= 13)) return SPACE;
  if (c < 0xa0) return NORMAL;
  if (c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029
    || c === 0x202f || c === 0x205f || c === 0x3000) return SPACE;
  if ((c >= 0x200b && c <= 0x200d) || c === 0x2060 || c === 0xfeff) return REMOVED;
  return NORMAL;
}

const NBSP = /\u00A0/g;
/** Chars `cleanText` changes other than a plain space (NBSP included). */
const ODD_OR_CONTROL = /[\t\n\v\f\r\u00A0\u1680\u2000-\u200D\u2028\u2029\u202F\u205F\u2060\u3000\uFEFF]/;

export function cleanLine(input: string): string {
  // The usual dirt in dumps is an NBSP between words: one native replace and a check settle it.
  const spaced = input.includes("\u00A0") ? input.replace(NBSP, " ").trim() : input.trim();
  if (!ODD_OR_CONTROL.test(spaced) && !spaced.includes("  ")) return spaced;
  return cleanChars(input);
}

function cleanChars(input: string): string {
  const n = input.length;
  let out = "";
  let segmentStart = -1;
  let pendingSpace = false;
  for (let i = 0; i < n; i++) {
    const c = input.charCodeAt(i);
    const kind = classify(c);
    if (kind === NORMAL) {
      if (segmentStart < 0) {
        if (pendingSpace && out !== "") out += " ";
        pendingSpace = false;
        segmentStart = i;
      }
      continue;
    }
    // A single plain space between two kept chars stays inside the current segment.
    if (c === 32 && segmentStart >= 0 && i + 1 < n && classify(input.charCodeAt(i + 1)) === NORMAL) continue;
    if (segmentStart >= 0) {
      out += input.slice(segmentStart, i);
      segmentStart = -1;
    }
    if (kind === SPACE) pendingSpace = true;
  }
  if (segmentStart === 0) return input;
  if (segmentStart > 0) out += input.slice(segmentStart);
  return out;
}

/** Odd spaces, zero-width marks, tabs and CRs (a lone CR, or any inside a line's text): `cleanText` changes any of them. */
const ODD_CHARS = "[\\t\\v\\f\\r\\u00A0\\u1680\\u2000-\\u200D\\u2028\\u2029\\u202F\\u205F\\u2060\\u3000\\uFEFF]";

/**
 * A scan over the whole text, consulted span by span in increasing order: `next` is the position
 * of the next hit at or after the last span's start. Hits are rare (odd chars) or one a line (runs
 * of spaces), so each native search jumps a long way instead of restarting on every char.
 */
export interface SpanScanner {
  readonly re: RegExp;
  next: number;
}

/** Odd chars: one native regex scan over the whole text, jumping from hit to hit. */
export function createOddCharScanner(): SpanScanner {
  return { re: new RegExp(ODD_CHARS, "g"), next: -1 };
}

/** Whether an odd char lies inside `text.slice(start, stop)`; spans must come in increasing order. */
export function hitsSpan(scanner: SpanScanner, text: string, start: number, stop: number): boolean {
  if (scanner.next < start) {
    scanner.re.lastIndex = start;
    scanner.next = scanner.re.test(text) ? scanner.re.lastIndex - 1 : Number.POSITIVE_INFINITY;
  }
  return scanner.next < stop;
}

/** Position of the next two plain spaces, for `hasSpaceRun`. */
export interface SpaceRunScanner {
  next: number;
}

export function createSpaceRunScanner(): SpaceRunScanner {
  return { next: -1 };
}

/**
 * Whether `text.slice(start, stop)` holds two spaces in a row, for a span that starts and ends with
 * a non-blank char (so a run found there follows a word, or an odd space the odd-char scan flags
 * anyway). Spans must come in increasing order. Native `indexOf` finds the next run, usually the
 * next line's indentation, so the text is searched once.
 */
export function hasSpaceRun(scanner: SpaceRunScanner, text: string, start: number, stop: number): boolean {
  if (scanner.next < start) {
    const at = text.indexOf("  ", start);
    scanner.next = at < 0 ? Number.POSITIVE_INFINITY : at;
  }
  return scanner.next < stop;
}
