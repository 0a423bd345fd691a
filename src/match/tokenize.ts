import { foldText } from "../core/text.js";
import { stemWord } from "./stem.js";

/** One word of a text: its matching term (folded, stemmed) and where it sits in the original text. */
export interface Token {
  readonly term: string;
  /** Offsets into the original text, [start, end). */
  readonly start: number;
  readonly end: number;
}

/** A word: letters, digits and combining marks, with inner apostrophes (`Secretary’s`, `don't`). */
const WORD = /[\p{L}\p{N}\p{M}]+(?:['\u2019\u02BC][\p{L}\p{N}\p{M}]+)*/gu;
/**
 * A number with thousands separators (`30,000`, `1,234,567`, `£5,000m`), read from the start of a
 * word of 1–3 digits: groups of exactly three digits, not followed by another digit or `,digit`
 * (so `1,2`, `1,2345` and `12,345,67` are not one). Its term is the plain form (`30000`).
 */
const THOUSANDS = /[0-9]{1,3}(?:,[0-9]{3})+(?![0-9]|,[0-9])(?:[\p{L}\p{M}][\p{L}\p{N}\p{M}]*)?(?:['\u2019\u02BC][\p{L}\p{N}\p{M}]+)*/uy;
const SHORT_NUMBER = /^[0-9]{1,3}$/;
const COMMA = 44;
const PLAIN_ASCII = /^[A-Za-z0-9]+$/;
const NOT_ALNUM = /[^\p{L}\p{N}]+/gu;

const CACHE_LIMIT = 50_000;
const cache = new Map<string, string>();

/** The matching term of one word: case- and accent-folded, possessive `'s` dropped, lightly stemmed. */
export function normalizeWord(word: string): string {
  const hit = cache.get(word);
  if (hit !== undefined) return hit;
  let folded: string;
  if (PLAIN_ASCII.test(word)) folded = word.toLowerCase();
  else {
    folded = foldText(word);
    if (folded.endsWith("'s")) folded = folded.slice(0, -2);
    folded = folded.replace(NOT_ALNUM, "");
  }
  const term = folded === "" ? "" : stemWord(folded);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(word, term);
  return term;
}

/**
 * The word the match `m` of `re` starts: `m[0]`, or a thousands number (`30,000`) read whole, in
 * which case `re` is moved past it. Both scanners call it (a plain call V8 inlines, unlike a callback per word).
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

/**
 * Calls `onWord(word, start)` for every word of `text` as written, in order, in one pass: a run of
 * letters, digits and marks with inner apostrophes, or a thousands number (`30,000`) whole. Its
 * term is `normalizeWord(word)` (which may be empty: such a word is no token).
 */
export function scanWords(text: string, onWord: (word: string, start: number) => void): void {
  const re = new RegExp(WORD.source, WORD.flags);
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    const word = wholeWord(text, re, m);
    onWord(word, m.index);
  }
}

/** Calls `onToken(term, start, end)` for every word of `text`, in order, in one pass (`scanWords`, each word's term). */
export function scanTokens(text: string, onToken: (term: string, start: number, end: number) => void): void {
  // The loop of scanWords, written out: a callback per word on this, the hottest path, cost 20%.
  const re = new RegExp(WORD.source, WORD.flags);
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    const word = wholeWord(text, re, m);
    // normalizeWord drops the commas: `30,000` → `30000`.
    const term = normalizeWord(word);
    if (term !== "") onToken(term, m.index, m.index + word.length);
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
