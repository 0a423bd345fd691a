/**
 * Text clean-up for the dump parser's hot path. `cleanLine` gives exactly what `cleanText` gives
 * (zero-width marks removed, any run of whitespace or odd spaces becomes one space, ends trimmed;
 * a property test checks it) at a fraction of the cost; the scanners below let the parser skip
 * cleaning altogether for the lines that need none, which is nearly all of them, and `cleanSpan`
 * clean the others by slicing around what the scanners found.
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
 * A scan over the whole text, consulted in increasing order of position: `next` is the position of
 * the next hit at or after the last position asked about. Hits are rare, so each native search jumps
 * a long way instead of restarting on every char.
 */
export interface SpanScanner {
  readonly re: RegExp;
  /** Length of a hit, to find its start from the regex's `lastIndex`. */
  readonly width: number;
  next: number;
}

/** Odd chars: one native regex scan over the whole text, jumping from hit to hit. */
export function createOddCharScanner(): SpanScanner {
  return { re: new RegExp(ODD_CHARS, "g"), width: 1, next: -1 };
}

/**
 * Two spaces that follow neither a space nor a line feed: the start of any run of spaces inside a
 * line's text, but never a line's indentation, where a plain `indexOf("  ")` would stop on every line.
 */
const SPACE_RUN = "(?<![ \\n]) {2}";

/** Runs of spaces inside lines: one native regex scan over the whole text, jumping from hit to hit. */
export function createSpaceRunScanner(): SpanScanner {
  return { re: new RegExp(SPACE_RUN, "g"), width: 2, next: -1 };
}

/** Position of the next hit at or after `from` (`text.length` if none, which keeps it a small integer); `from` must never go back. */
function nextHit(scanner: SpanScanner, text: string, from: number): number {
  if (scanner.next < from) {
    scanner.re.lastIndex = from;
    scanner.next = scanner.re.test(text) ? scanner.re.lastIndex - scanner.width : text.length;
  }
  return scanner.next;
}

/** Whether a hit lies inside `text.slice(start, stop)`; spans must come in increasing order. */
export function hitsSpan(scanner: SpanScanner, text: string, start: number, stop: number): boolean {
  return nextHit(scanner, text, start) < stop;
}

/**
 * `cleanLine(text.slice(start, stop))` for a span that starts and ends with a char other than a
 * plain space, tab, NBSP or CR (a line's text without its indentation), found with the two scanners
 * (which must not have gone past `start`): clean stretches between the hits are sliced, not copied.
 * Every char `cleanText` changes is an odd char or a plain space next to one or to another space,
 * and the first space of a run inside such a span follows a kept char, where the run scan finds it.
 */
export function cleanSpan(text: string, start: number, stop: number, oddChars: SpanScanner, spaceRuns: SpanScanner): string {
  let out = "";
  let from = start;
  let pendingSpace = false;
  for (;;) {
    let hit = Math.min(nextHit(oddChars, text, from), nextHit(spaceRuns, text, from));
    if (hit >= stop) break;
    // A plain space just before an odd char belongs to the same stretch of blanks.
    while (hit > from && classify(text.charCodeAt(hit - 1)) !== NORMAL) hit--;
    let after = hit;
    let space = false;
    for (let kind; after < stop && (kind = classify(text.charCodeAt(after))) !== NORMAL; after++) {
      if (kind === SPACE) space = true;
    }
    if (hit > from) {
      if (pendingSpace && out !== "") out += " ";
      out += text.slice(from, hit);
      pendingSpace = false;
    }
    pendingSpace ||= space;
    from = after;
    if (from >= stop) return out;
  }
  if (from === start) return text.slice(start, stop);
  return pendingSpace && out !== "" ? `${out} ${text.slice(from, stop)}` : out + text.slice(from, stop);
}
