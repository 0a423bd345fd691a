import { detached } from "../core/memo.js";
import { foldText } from "../core/text.js";
import { stemWord } from "./stem.js";

/** One word of a text: its matching term (folded, stemmed) and where it sits in the original text. */
export interface Token {
  readonly term: string;
  /** Offsets into the original text, [start, end). */
  readonly start: number;
  readonly end: number;
}

/**
 * A word: letters, digits and combining marks, with inner apostrophes (`Secretary’s`, `don't`,
 * `O‘Neill`) and soft hyphens (`recog\u00ADnition`, from `&shy;`).
 */
const WORD = /[\p{L}\p{N}\p{M}]+(?:['\u2018\u2019\u02BC\u00AD][\p{L}\p{N}\p{M}]+)*/gu;
/**
 * A number with thousands separators (`30,000`, `1,234,567`, `£5,000m`), read from the start of a
 * word of 1–3 digits: groups of exactly three digits, not followed by another digit or `,digit`
 * (so `1,2`, `1,2345` and `12,345,67` are not one). Its term is the plain form (`30000`).
 */
const THOUSANDS = /[0-9]{1,3}(?:,[0-9]{3})+(?![0-9]|,[0-9])(?:[\p{L}\p{M}][\p{L}\p{N}\p{M}]*)?(?:['\u2018\u2019\u02BC\u00AD][\p{L}\p{N}\p{M}]+)*/uy;
const SHORT_NUMBER = /^[0-9]{1,3}$/;
const COMMA = 44;
const PLAIN_ASCII = /^[A-Za-z0-9]+$/;
const NOT_ALNUM = /[^\p{L}\p{N}]+/gu;

/** Letters Unicode does not decompose into a base letter and an accent, written as English writes them (Łódź → lodz, manœuvre → manoeuvre). */
const UNDECOMPOSED = /[łøđœæßþ]/g;
const UNDECOMPOSED_AS: Readonly<Record<string, string>> = { ł: "l", ø: "o", đ: "d", œ: "oe", æ: "ae", ß: "ss", þ: "th" };

const CACHE_LIMIT = 50_000;
const cache = new Map<string, string>();

/** The matching term of one word: case- and accent-folded, possessive `'s` dropped, lightly stemmed. */
export function normalizeWord(word: string): string {
  const hit = cache.get(word);
  if (hit !== undefined) return hit;
  let folded: string;
  if (PLAIN_ASCII.test(word)) folded = word.toLowerCase();
  else {
    folded = foldText(word).replace(UNDECOMPOSED, (letter) => UNDECOMPOSED_AS[letter] ?? letter);
    if (folded.endsWith("'s")) folded = folded.slice(0, -2);
    folded = folded.replace(NOT_ALNUM, "");
  }
  const term = folded === "" ? "" : stemWord(folded);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  // Copies: a word cut from a dump's text (and a term that may be that word) would keep the text alive.
  cache.set(detached(word), detached(term));
  return term;
}

/**
 * The word the match `m` of `re` starts: `m[0]`, or a thousands number (`30,000`) read whole, in
 * which case `re` is moved past it (the scanner's slow path).
 */
function wholeWord(text: string, re: RegExp, m: RegExpExecArray): string {
  const word = m[0];
  if (text.charCodeAt(re.lastIndex) !== COMMA || !SHORT_NUMBER.test(word)) return word;
  THOUSANDS.lastIndex = m.index;
  const number = THOUSANDS.exec(text);
  if (!number) return word;
  re.lastIndex = m.index + number[0].length;
  return number[0];
}

/** ASCII letters and digits: the only ASCII characters of `\p{L}\p{N}\p{M}`. */
const ALNUM = new Uint8Array(128);
for (let c = 0; c < 128; c++) ALNUM[c] = /[A-Za-z0-9]/.test(String.fromCharCode(c)) ? 1 : 0;
const APOSTROPHE = 39;

/**
 * Common characters beyond ASCII that are neither letters, digits or marks nor apostrophes
 * (`£`, dashes, curly double quotes, the left single quote, no-break space, `…`, `•`, `€`): the
 * fast path reads past them itself. Any other one goes to the regular expression.
 */
export function isPlainSeparator(c: number): boolean {
  return c === 0xa0 || c === 0xa3 || c === 0x2013 || c === 0x2014 || c === 0x201c || c === 0x201d || c === 0x2022 || c === 0x2026 || c === 0x20ac;
}

/**
 * Reads the words of a text one at a time, as `WORD` (and `THOUSANDS`) read them from where the
 * last word ended. Words of ASCII letters and digits (with inner `'`), between ASCII or
 * `isPlainSeparator` characters, are read by comparing character codes; wherever another character
 * beyond ASCII sits next to a word or between words, the regular expression reads from there (so
 * the words are always the regular expression's: test/match/tokenize.test.ts checks both agree).
 */
export class WordScanner {
  /** The word is `text.slice(start, end)`. */
  start = 0;
  end = 0;
  private at = 0;
  private re: RegExp | undefined;

  constructor(readonly text: string) {}

  /** Moves to the next word (`start`, `end`); false at the end. */
  next(): boolean {
    const text = this.text;
    const n = text.length;
    let i = this.at;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c >= 128) {
        if (isPlainSeparator(c)) {
          i++;
          continue;
        }
        return this.slow(i);
      }
      if (ALNUM[c] === 0) {
        i++;
        continue;
      }
      // A word starts at i: letters and digits, and `'` followed by one.
      let j = i + 1;
      for (;;) {
        let d = 0;
        while (j < n && (d = text.charCodeAt(j)) < 128 && ALNUM[d] === 1) j++;
        if (j >= n) break;
        if (d >= 128) {
          if (isPlainSeparator(d)) break;
          return this.slow(i);
        }
        if (d !== APOSTROPHE || j + 1 >= n) break;
        const e = text.charCodeAt(j + 1);
        if (e >= 128) {
          if (isPlainSeparator(e)) break;
          return this.slow(i);
        }
        if (ALNUM[e] === 0) break;
        j += 2;
      }
      if (j < n && j - i <= 3 && text.charCodeAt(j) === COMMA && isDigits(text, i, j)) {
        THOUSANDS.lastIndex = i;
        const number = THOUSANDS.exec(text);
        if (number) j = i + number[0].length;
      }
      this.start = i;
      this.end = j;
      this.at = j;
      return true;
    }
    this.at = n;
    return false;
  }

  /** The regular expression's next word from `from`. */
  private slow(from: number): boolean {
    const re = (this.re ??= new RegExp(WORD.source, WORD.flags));
    re.lastIndex = from;
    const m = re.exec(this.text);
    if (m === null) {
      this.at = this.text.length;
      return false;
    }
    // The word is a piece of the text from m.index: m[0], or a thousands number.
    this.start = m.index;
    this.end = m.index + wholeWord(this.text, re, m).length;
    this.at = re.lastIndex;
    return true;
  }
}

function isDigits(text: string, from: number, to: number): boolean {
  for (let k = from; k < to; k++) {
    const c = text.charCodeAt(k);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** The words of `text` as the regular expression alone reads them (the reference the scanner is tested against). */
export function scanWordsByRegExp(text: string, onWord: (word: string, start: number) => void): void {
  const re = new RegExp(WORD.source, WORD.flags);
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) onWord(wholeWord(text, re, m), m.index);
}

/**
 * Calls `onWord(word, start)` for every word of `text` as written, in order, in one pass: a run of
 * letters, digits and marks with inner apostrophes, or a thousands number (`30,000`) whole. Its
 * term is `normalizeWord(word)` (which may be empty: such a word is no token).
 */
export function scanWords(text: string, onWord: (word: string, start: number) => void): void {
  const s = new WordScanner(text);
  while (s.next()) onWord(text.slice(s.start, s.end), s.start);
}

/** Calls `onToken(term, start, end)` for every word of `text`, in order, in one pass (`scanWords`, each word's term). */
export function scanTokens(text: string, onToken: (term: string, start: number, end: number) => void): void {
  const s = new WordScanner(text);
  while (s.next()) {
    // normalizeWord drops the commas: `30,000` → `30000`.
    const term = normalizeWord(text.slice(s.start, s.end));
    if (term !== "") onToken(term, s.start, s.end);
  }
}

/**
 * Splits a text into matching tokens. Punctuation separates words: `AI-generated` is `ai`, `generated`;
 * except the commas of a thousands number: `30,000` is one token, `30000`.
 */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  scanTokens(text, (term, start, end) => tokens.push({ term, start, end }));
  return tokens;
}
