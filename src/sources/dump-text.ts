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

/** Odd spaces, zero-width marks and tabs: `cleanText` changes any of them. */
const ODD_CHARS = "\\t\\v\\f\\u00A0\\u1680\\u2000-\\u200D\\u2028\\u2029\\u202F\\u205F\\u2060\\u3000\\uFEFF";

/**
 * Finds the next line end (LF or CR) or odd char: the parser's line scan, which marks a line
 * dirty on the way (one native scan is cheaper than finding line ends and odd chars separately).
 */
export function createLineScanner(): RegExp {
  return new RegExp(`[\\n\\r${ODD_CHARS}]`, "g");
}

/**
 * A run of spaces after a word (indentation never matches), scanned once over the whole text and
 * consulted span by span in increasing order.
 */
export interface SpanScanner {
  readonly re: RegExp;
  /** Position of the last char of the next match, or -1 before the first look. */
  next: number;
}

export function createSpaceRunScanner(): SpanScanner {
  return { re: /\S {2}/g, next: -1 };
}

/** Whether the scanner has a match inside `text.slice(start, stop)`; spans must come in increasing order. */
export function hitsSpan(scanner: SpanScanner, text: string, start: number, stop: number): boolean {
  if (scanner.next < start) {
    scanner.re.lastIndex = start;
    scanner.next = scanner.re.test(text) ? scanner.re.lastIndex - 1 : Number.POSITIVE_INFINITY;
  }
  return scanner.next < stop;
}
