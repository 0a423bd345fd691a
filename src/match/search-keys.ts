import { detached } from "../core/memo.js";
import { releaseTexts, type ReleaseText } from "../core/release.js";
import {
  kindKey,
  pairHashEndA,
  pairHashEndB,
  pairHashStates,
  pairHashStepA,
  pairHashStepB,
  pairKey,
  releaseKeysOf,
  type ReleaseKeys,
} from "../core/search-key.js";
import { normalizeWord, tokenize, WordScanner } from "./tokenize.js";

/** Written words the tables keep before they start again (between two releases). */
const WORDS_KEPT = 1 << 17;
/** A space: the separator of a pair key (`pairKey`). */
const SPACE = 32;

/** Fields of a written word's entry. */
const WORD_FIELDS = 4;
/** A pair found in one release: its two `pairHashes`, and its two term numbers. */
const PAIR_FIELDS = 4;

/**
 * The keys of releases, one release after another, without a string made or hashed per word: words
 * as written are looked up in an open-addressing table by their characters in the text (a word
 * seen before costs a hash of its characters and a comparison with a copy of them in a character
 * pool), each maps to a term number, and a key is kept once per release by stamping its number.
 *
 * A word pair needs no table of its own: each term keeps the state of `pairHashes` after reading
 * `term + " "`, so a pair's hashes are that state carried over the second term's characters (also
 * pooled). A release's pairs are kept once each in a small table of their hashes, emptied per
 * release by a stamp. Terms are made once and handed out again for every release that holds them.
 */
class KeyTables {
  private readonly wordSlots = new Int32Array(WORDS_KEPT * 2);
  /** Per word, side by side (one read of memory): its hash, length, place in the pool and term number. */
  private readonly wordEntries = new Int32Array(WORDS_KEPT * WORD_FIELDS);
  private words = 0;

  private readonly termIds = new Map<string, number>();
  private readonly terms: string[] = [];
  private readonly termStamp = new Int32Array(WORDS_KEPT);
  /** Per term: `pairHashes`' two states after `term + " "`, and where its characters sit in the pool. */
  private readonly termStateA = new Int32Array(WORDS_KEPT);
  private readonly termStateB = new Int32Array(WORDS_KEPT);
  private readonly termStart = new Int32Array(WORDS_KEPT);
  private readonly termLength = new Int32Array(WORDS_KEPT);

  /** The characters of the words and terms kept, one after another. */
  private chars = new Uint16Array(1 << 20);
  private used = 0;

  /** The pairs of the release being read: a table of their first hash's slots, stamped, and the pairs found in order. */
  private seenSlots = new Int32Array(1 << 12);
  private seenStamp = new Int32Array(1 << 12);
  private seenMask = 0;
  private found = new Uint32Array(1 << 12);
  private pairs = 0;

  private generation = 0;
  /** The numbering of terms handed out (`ReleaseKeys.numbers`): a new object each time the terms are forgotten. */
  space: object = {};

  static holds(words: number): boolean {
    return words <= WORDS_KEPT;
  }

  /**
   * Starts a release of at most `words` words (a release's words are at most half its characters):
   * makes room for them (forgetting every word and term when they might not fit), and keeps each
   * key once from here on.
   */
  begin(words: number): void {
    if (this.words + words > WORDS_KEPT || this.generation >= 0x7fffffff) {
      this.wordSlots.fill(0);
      this.words = 0;
      this.termIds.clear();
      this.terms.length = 0;
      this.termStamp.fill(0);
      this.seenStamp.fill(0);
      this.used = 0;
      this.generation = 0;
      this.space = {};
    }
    this.generation++;
    // At most one pair per word: the release's part of the table at most half full, and room for each pair's fields.
    let size = 64;
    while (size < words * 2) size *= 2;
    if (size > this.seenSlots.length) {
      this.seenSlots = new Int32Array(size);
      this.seenStamp = new Int32Array(size);
    }
    this.seenMask = size - 1;
    if (this.found.length < words * PAIR_FIELDS) this.found = new Uint32Array(words * PAIR_FIELDS);
    this.pairs = 0;
  }

  /** Adds the terms of `text` not yet in `terms` (their numbers to `ids`) for this release, and its pairs of adjacent terms not yet found. */
  scan(text: string, terms: string[], ids: number[]): void {
    const gen = this.generation;
    const s = new WordScanner(text);
    let previous = -1;
    while (s.next()) {
      const term = this.term(text, s.start, s.end);
      if (term < 0) continue;
      if (this.termStamp[term] !== gen) {
        this.termStamp[term] = gen;
        terms.push(this.terms[term]!);
        ids.push(term);
      }
      if (previous >= 0) this.pair(previous, term);
      previous = term;
    }
  }

  /** The term number of the word `text[start, end)`; -1 when its term is empty (no token). */
  private term(text: string, start: number, end: number): number {
    const length = end - start;
    let h = 0x811c9dc5 | 0;
    for (let k = start; k < end; k++) h = Math.imul(h ^ text.charCodeAt(k), 0x01000193);
    const chars = this.chars;
    const entries = this.wordEntries;
    const mask = this.wordSlots.length - 1;
    let slot = h & mask;
    for (;;) {
      const at = this.wordSlots[slot]!;
      if (at === 0) break;
      const e = (at - 1) * WORD_FIELDS;
      if (entries[e] === h && entries[e + 1] === length) {
        const from = entries[e + 2]!;
        let k = 0;
        while (k < length && chars[from + k] === text.charCodeAt(start + k)) k++;
        if (k === length) return entries[e + 3]!;
      }
      slot = (slot + 1) & mask;
    }
    const entry = this.words++;
    this.wordSlots[slot] = entry + 1;
    const e = entry * WORD_FIELDS;
    entries[e] = h;
    entries[e + 1] = length;
    entries[e + 2] = this.pool(text, start, end);
    // No slice of the text is kept: it would keep the dump piece it came from alive.
    const term = normalizeWord(text.slice(start, end));
    let id = -1;
    if (term !== "") {
      id = this.termIds.get(term) ?? -1;
      if (id < 0) id = this.newTerm(term);
    }
    entries[e + 3] = id;
    return id;
  }

  private newTerm(term: string): number {
    const id = this.terms.length;
    const kept = detached(term);
    this.terms.push(kept);
    this.termIds.set(kept, id);
    const [a, b] = pairHashStates(term);
    this.termStateA[id] = pairHashStepA(a, SPACE);
    this.termStateB[id] = pairHashStepB(b, SPACE);
    this.termStart[id] = this.pool(term, 0, term.length);
    this.termLength[id] = term.length;
    return id;
  }

  /** Copies `text[start, end)` into the character pool; where it starts. */
  private pool(text: string, start: number, end: number): number {
    const at = this.used;
    if (at + end - start > this.chars.length) {
      const bigger = new Uint16Array(Math.max(this.chars.length * 2, at + end - start));
      bigger.set(this.chars.subarray(0, at));
      this.chars = bigger;
    }
    for (let k = start; k < end; k++) this.chars[this.used++] = text.charCodeAt(k);
    return at;
  }

  /** Keeps the pair of two adjacent term numbers, once per release. */
  private pair(first: number, second: number): void {
    const chars = this.chars;
    let a = this.termStateA[first]!;
    let b = this.termStateB[first]!;
    const from = this.termStart[second]!;
    const to = from + this.termLength[second]!;
    for (let k = from; k < to; k++) {
      const c = chars[k]!;
      a = pairHashStepA(a, c);
      b = pairHashStepB(b, c);
    }
    const h1 = pairHashEndA(a);
    const h2 = pairHashEndB(b);
    const gen = this.generation;
    const found = this.found;
    const mask = this.seenMask;
    let slot = h1 & mask;
    for (;;) {
      if (this.seenStamp[slot] !== gen) break;
      const at = this.seenSlots[slot]! * PAIR_FIELDS;
      if (found[at] === h1 && found[at + 1] === h2 && found[at + 2] === first && found[at + 3] === second) return;
      slot = (slot + 1) & mask;
    }
    const pair = this.pairs++;
    this.seenStamp[slot] = gen;
    this.seenSlots[slot] = pair;
    const at = pair * PAIR_FIELDS;
    found[at] = h1;
    found[at + 1] = h2;
    found[at + 2] = first;
    found[at + 3] = second;
  }

  /** The pairs found in the release being read, as keys (`pairKey`). */
  pairKeys(): string[] {
    const out: string[] = [];
    for (let at = 0; at < this.pairs * PAIR_FIELDS; at += PAIR_FIELDS) out.push(pairKey(this.terms[this.found[at + 2]!]!, this.terms[this.found[at + 3]!]!));
    return out;
  }

  /** The `pairHashes` of the pairs found in the release being read, two numbers a pair. */
  pairHashes(): Uint32Array {
    const out = new Uint32Array(this.pairs * 2);
    for (let p = 0; p < this.pairs; p++) {
      out[p * 2] = this.found[p * PAIR_FIELDS]!;
      out[p * 2 + 1] = this.found[p * PAIR_FIELDS + 1]!;
    }
    return out;
  }
}

let tables: KeyTables | undefined;

/** The `kind:` key of a release. */
function releaseKindKey(release: ReleaseText): string {
  return kindKey(tokenize(release.kind).map((t) => t.term).join(" "));
}

/** The terms of a release, its pairs found in `tables`; undefined when it is too big for them. */
function scanRelease(release: ReleaseText): { terms: string[]; ids: number[]; tables: KeyTables } | undefined {
  const pieces = releaseTexts(release);
  let chars = 0;
  for (const piece of pieces) chars += piece.length + 1;
  // A word is at least one character and a separator: at most half the characters are new words.
  const words = Math.ceil(chars / 2) + 1;
  if (!KeyTables.holds(words)) return undefined;
  tables ??= new KeyTables();
  tables.begin(words);
  const terms: string[] = [];
  const ids: number[] = [];
  for (const piece of pieces) tables.scan(piece, terms, ids);
  terms.push(releaseKindKey(release));
  ids.push(-1);
  return { terms, ids, tables };
}

/** The keys a release is found by: every term of its title, summary and body, every pair of adjacent terms (`pairKey`), and its `kind:` key; each once. */
export function releaseSearchKeys(release: ReleaseText): string[] {
  const scanned = scanRelease(release);
  if (!scanned) return plainSearchKeys(release);
  return [...scanned.terms, ...scanned.tables.pairKeys()];
}

/** The same keys as the engines keep them: words and the `kind:` key, and the pairs' hashes (no pair key is made). */
export function releaseIndexKeys(release: ReleaseText): ReleaseKeys {
  const scanned = scanRelease(release);
  if (!scanned) return releaseKeysOf(plainSearchKeys(release));
  return { words: scanned.terms, pairs: scanned.tables.pairHashes(), numbers: { ids: Int32Array.from(scanned.ids), space: scanned.tables.space } };
}
/** Where a worker thread finds this function (`SearchKeys.from`): an engine may make keys there. */
releaseIndexKeys.from = { module: import.meta.url, name: "releaseIndexKeys" };

/** The same keys through a set of strings (a release too big for the tables). */
function plainSearchKeys(release: ReleaseText): string[] {
  const keys = new Set<string>();
  for (const text of releaseTexts(release)) {
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
