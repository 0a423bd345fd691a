import { detached } from "../core/memo.js";
import type { Release } from "../core/release.js";
import { kindKey, pairHashes, pairKey, releaseKeysOf, type ReleaseKeys } from "../core/search-key.js";
import { normalizeWord, tokenize, WordScanner } from "./tokenize.js";

/** Written words, and word pairs, the tables keep before they start again (between two releases). */
const WORDS_KEPT = 1 << 18;
const PAIRS_KEPT = 1 << 19;

/**
 * The keys of releases, one release after another, without a string made or hashed per word: words
 * as written are looked up in an open-addressing table by their characters in the text (a word
 * seen before costs a hash of its characters and one comparison), each maps to a term number, each
 * pair of adjacent term numbers to a pair number, and a key is kept once per release by stamping
 * its number. The strings (terms, pair keys) are made once and handed out again for every release
 * that holds them, so the caller's maps find their hashes already computed.
 */
class KeyTables {
  private readonly wordSlots = new Int32Array(WORDS_KEPT * 2);
  private readonly wordHash = new Int32Array(WORDS_KEPT);
  private readonly wordTerm = new Int32Array(WORDS_KEPT);
  private readonly wordText: string[] = [];
  private words = 0;

  private readonly termIds = new Map<string, number>();
  private readonly terms: string[] = [];
  private readonly termStamp = new Int32Array(WORDS_KEPT);

  private readonly pairSlots = new Int32Array(PAIRS_KEPT * 2);
  private readonly pairFirst = new Int32Array(PAIRS_KEPT);
  private readonly pairSecond = new Int32Array(PAIRS_KEPT);
  private readonly pairStamp = new Int32Array(PAIRS_KEPT);
  /** Per pair, its key (made when first asked for) and its two `pairHashes` (made once, when it is new). */
  private readonly pairKeys: string[] = [];
  private readonly pairHash = new Uint32Array(PAIRS_KEPT * 2);
  private pairs = 0;

  private generation = 0;

  static holds(words: number): boolean {
    return words <= WORDS_KEPT && words <= PAIRS_KEPT;
  }

  /**
   * Starts a release of at most `words` words (a release's words are at most half its characters):
   * makes room for them (forgetting the pairs, or everything, when they might not fit), and keeps
   * each key once from here on.
   */
  begin(words: number): void {
    if (this.words + words > WORDS_KEPT || this.generation >= 0x7fffffff) {
      this.wordSlots.fill(0);
      this.wordText.length = 0;
      this.words = 0;
      this.termIds.clear();
      this.terms.length = 0;
      this.termStamp.fill(0);
      this.generation = 0;
      this.forgetPairs();
    } else if (this.pairs + words > PAIRS_KEPT) this.forgetPairs();
    this.generation++;
  }

  /** Pairs refer to term numbers: they go when the terms go, and alone when they fill their table. */
  private forgetPairs(): void {
    this.pairSlots.fill(0);
    this.pairStamp.fill(0);
    this.pairKeys.length = 0;
    this.pairs = 0;
  }

  /** Adds the terms of `text` not yet in `terms` for this release, and the numbers of its pairs of adjacent terms not yet in `pairs`. */
  scan(text: string, terms: string[], pairs: number[]): void {
    const gen = this.generation;
    const s = new WordScanner(text);
    let previous = -1;
    while (s.next()) {
      const term = this.term(text, s.start, s.end);
      if (term < 0) continue;
      if (this.termStamp[term] !== gen) {
        this.termStamp[term] = gen;
        terms.push(this.terms[term]!);
      }
      if (previous >= 0) {
        const pair = this.pair(previous, term);
        if (this.pairStamp[pair] !== gen) {
          this.pairStamp[pair] = gen;
          pairs.push(pair);
        }
      }
      previous = term;
    }
  }

  /** The term number of the word `text[start, end)`; -1 when its term is empty (no token). */
  private term(text: string, start: number, end: number): number {
    let h = 0x811c9dc5 | 0;
    for (let k = start; k < end; k++) h = Math.imul(h ^ text.charCodeAt(k), 0x01000193);
    const length = end - start;
    const mask = this.wordSlots.length - 1;
    let slot = h & mask;
    for (;;) {
      const at = this.wordSlots[slot]!;
      if (at === 0) break;
      if (this.wordHash[at - 1] === h) {
        const word = this.wordText[at - 1]!;
        if (word.length === length) {
          let k = 0;
          while (k < length && word.charCodeAt(k) === text.charCodeAt(start + k)) k++;
          if (k === length) return this.wordTerm[at - 1]!;
        }
      }
      slot = (slot + 1) & mask;
    }
    // A copy: the tables outlive the release, and a slice would keep the text it came from alive
    // (a dump is read 2 MB at a time: 256K words held every piece of ten thousand releases).
    const word = detached(text.slice(start, end));
    const term = normalizeWord(word);
    let id = -1;
    if (term !== "") {
      id = this.termIds.get(term) ?? -1;
      if (id < 0) {
        id = this.terms.length;
        this.terms.push(term);
        this.termIds.set(term, id);
      }
    }
    const entry = this.words++;
    this.wordSlots[slot] = entry + 1;
    this.wordHash[entry] = h;
    this.wordTerm[entry] = id;
    this.wordText.push(word);
    return id;
  }

  /** The pair number of two adjacent term numbers. */
  private pair(first: number, second: number): number {
    let h = Math.imul(first, 0x9e3779b1) ^ second;
    h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
    h ^= h >>> 13;
    const mask = this.pairSlots.length - 1;
    let slot = h & mask;
    for (;;) {
      const at = this.pairSlots[slot]!;
      if (at === 0) break;
      if (this.pairFirst[at - 1] === first && this.pairSecond[at - 1] === second) return at - 1;
      slot = (slot + 1) & mask;
    }
    const pair = this.pairs++;
    this.pairSlots[slot] = pair + 1;
    this.pairFirst[pair] = first;
    this.pairSecond[pair] = second;
    const [h1, h2] = pairHashes(pairKey(this.terms[first]!, this.terms[second]!));
    this.pairHash[pair * 2] = h1;
    this.pairHash[pair * 2 + 1] = h2;
    return pair;
  }

  /** The key of a pair number (`pairKey`). */
  pairKey(pair: number): string {
    return (this.pairKeys[pair] ??= pairKey(this.terms[this.pairFirst[pair]!]!, this.terms[this.pairSecond[pair]!]!));
  }

  /** The `pairHashes` of pair numbers, two numbers a pair. */
  pairHashes(pairs: readonly number[]): Uint32Array {
    const out = new Uint32Array(pairs.length * 2);
    for (let i = 0; i < pairs.length; i++) {
      const at = pairs[i]! * 2;
      out[i * 2] = this.pairHash[at]!;
      out[i * 2 + 1] = this.pairHash[at + 1]!;
    }
    return out;
  }
}

let tables: KeyTables | undefined;

/** The pieces of text a release's terms come from (a phrase never spans two). */
function texts(release: Release): string[] {
  const out = [release.title, release.summary];
  for (const block of release.body) {
    if (block.type === "paragraph") out.push(block.text);
    else out.push(...block.items);
  }
  return out;
}

/** The `kind:` key of a release. */
function releaseKindKey(release: Release): string {
  return kindKey(tokenize(release.kind).map((t) => t.term).join(" "));
}

/** The terms of a release and the numbers of its pairs, in `tables`; undefined when it is too big for them. */
function scanRelease(release: Release): { terms: string[]; pairs: number[]; tables: KeyTables } | undefined {
  const pieces = texts(release);
  let chars = 0;
  for (const piece of pieces) chars += piece.length + 1;
  // A word is at least one character and a separator: at most half the characters are new words.
  const words = Math.ceil(chars / 2) + 1;
  if (!KeyTables.holds(words)) return undefined;
  tables ??= new KeyTables();
  tables.begin(words);
  const terms: string[] = [];
  const pairs: number[] = [];
  for (const piece of pieces) tables.scan(piece, terms, pairs);
  terms.push(releaseKindKey(release));
  return { terms, pairs, tables };
}

/** The keys a release is found by: every term of its title, summary and body, every pair of adjacent terms (`pairKey`), and its `kind:` key; each once. */
export function releaseSearchKeys(release: Release): string[] {
  const scanned = scanRelease(release);
  if (!scanned) return plainSearchKeys(release);
  const { terms, pairs, tables: t } = scanned;
  for (const pair of pairs) terms.push(t.pairKey(pair));
  return terms;
}

/** The same keys as the engines keep them: words and the `kind:` key, and the pairs' hashes (no pair key is made). */
export function releaseIndexKeys(release: Release): ReleaseKeys {
  const scanned = scanRelease(release);
  if (!scanned) return releaseKeysOf(plainSearchKeys(release));
  return { words: scanned.terms, pairs: scanned.tables.pairHashes(scanned.pairs) };
}

/** The same keys through a set of strings (a release too big for the tables). */
function plainSearchKeys(release: Release): string[] {
  const keys = new Set<string>();
  for (const text of texts(release)) {
    let previous = "";
    for (const { term } of tokenize(text)) {
      keys.add(term);
      if (previous) keys.add(pairKey(previous, term));
      previous = term;
    }
  }
  keys.add(releaseKindKey(release));
  return [...keys];
}
