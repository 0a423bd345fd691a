import type { Release } from "../core/release.js";
import type { TextField } from "./query-node.js";
import { normalizeWord, scanWords } from "./tokenize.js";

/** Words whose vocabulary id is kept between releases. */
const WORDS_KEPT = 50_000;

/**
 * Where the terms of a fixed vocabulary occur in one release, for a matcher that only ever asks
 * about those terms. One tokenising pass; a word outside the vocabulary costs one look-up and is
 * otherwise ignored (words are read by `scanWords`). Positions are those of `analyzeRelease` (title, summary, then each body
 * paragraph or list item, with an empty slot after each, so a phrase never spans two), so a hit
 * found here is a hit there too.
 *
 * The state is reused from release to release: `scan` starts a new one. Per vocabulary id: whether
 * the release holds it (`holds`), how often, and its positions as a chain (`headOf`, `nextAt`).
 */
export class ReleaseTerms {
  /** Vocabulary id at each position; -1 for a word outside it and for the slot after a segment. */
  private ids = new Int32Array(1024);
  /** The next position holding the same id, or -1. */
  private next = new Int32Array(1024);
  /** Per id: equal to `generation` when the current release holds it (read directly by the matcher's fast path). */
  readonly stamp: Uint32Array;
  /** Per id: its first position in the current release (-1 for an `extra` id); valid only when stamped. */
  readonly head: Int32Array;
  private readonly tail: Int32Array;
  private readonly count: Int32Array;
  /** Advanced by every `scan`. */
  generation = 0;
  private length = 0;
  /** Ids the current release holds, in order of first occurrence. */
  readonly present: number[] = [];
  /** Exclusive ends of the title's and the summary's positions. */
  titleEnd = 0;
  summaryEnd = 0;

  /** Word as written → its term's vocabulary id, -1 outside it, -2 no token at all (bounded; cleared when full). */
  private readonly words = new Map<string, number>();

  constructor(private readonly vocabulary: ReadonlyMap<string, number>) {
    const size = Math.max(1, vocabulary.size);
    this.stamp = new Uint32Array(size);
    this.head = new Int32Array(size);
    this.tail = new Int32Array(size);
    this.count = new Int32Array(size);
  }

  /** Reads `release`; `extra` ids (its kind key, say) are marked present without a position. */
  scan(release: Release, extra: readonly number[] = []): void {
    if (++this.generation === 0xffffffff) {
      this.stamp.fill(0);
      this.generation = 1;
    }
    const gen = this.generation;
    this.present.length = 0;
    this.length = 0;
    // One look-up per word: the word's id is kept, so its term is not looked up again.
    const onWord = (word: string): void => {
      let id = this.words.get(word);
      if (id === undefined) {
        const term = normalizeWord(word);
        id = term === "" ? -2 : (this.vocabulary.get(term) ?? -1);
        if (this.words.size >= WORDS_KEPT) this.words.clear();
        this.words.set(word, id);
      }
      if (id !== -2) this.push(id, gen);
    };
    const segment = (text: string): void => {
      scanWords(text, onWord);
      this.push(-1, gen);
    };
    segment(release.title);
    this.titleEnd = this.length;
    segment(release.summary);
    this.summaryEnd = this.length;
    for (const block of release.body) {
      if (block.type === "paragraph") segment(block.text);
      else for (const item of block.items) segment(item);
    }
    for (const id of extra) {
      if (this.stamp[id] === gen) continue;
      this.stamp[id] = gen;
      this.count[id] = 0;
      this.head[id] = -1;
      this.present.push(id);
    }
  }

  private push(id: number, gen: number): void {
    const at = this.length++;
    if (at >= this.ids.length) {
      const ids = new Int32Array(this.ids.length * 2);
      ids.set(this.ids);
      this.ids = ids;
      const next = new Int32Array(this.next.length * 2);
      next.set(this.next);
      this.next = next;
    }
    this.ids[at] = id;
    this.next[at] = -1;
    if (id < 0) return;
    if (this.stamp[id] !== gen) {
      this.stamp[id] = gen;
      this.head[id] = at;
      this.count[id] = 1;
      this.present.push(id);
    } else {
      this.next[this.tail[id] as number] = at;
      this.count[id]!++;
    }
    this.tail[id] = at;
  }

  holds(id: number): boolean {
    return this.stamp[id] === this.generation;
  }

  /**
   * The first position where the terms `ids` occur in a row (a term: `ids` of one), starting in
   * `field` when given; -1 when nowhere. Walks the rarest term's positions.
   */
  firstHit(ids: Int32Array, field: TextField | undefined): number {
    let anchor = -1;
    let fewest = Number.POSITIVE_INFINITY;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as number;
      if (this.stamp[id] !== this.generation) return -1;
      const n = this.count[id] as number;
      if (n < fewest) {
        fewest = n;
        anchor = i;
      }
    }
    if (anchor < 0) return -1;
    for (let p = this.head[ids[anchor] as number] as number; p >= 0; p = this.next[p] as number) {
      const first = p - anchor;
      if (first < 0) continue;
      if (field !== undefined && !this.inField(first, field)) continue;
      let ok = true;
      for (let i = 0; i < ids.length && ok; i++) ok = this.ids[first + i] === ids[i];
      if (ok) return first;
    }
    return -1;
  }

  private inField(position: number, field: TextField): boolean {
    if (field === "title") return position < this.titleEnd;
    if (field === "summary") return position >= this.titleEnd && position < this.summaryEnd;
    return position >= this.summaryEnd;
  }
}
