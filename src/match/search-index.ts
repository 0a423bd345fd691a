import { newestFirst } from "../core/newest-first.js";
import type { SearchCandidates } from "../core/ports.js";
import type { Release } from "../core/release.js";
import { kindKey, pairKey } from "../core/search-key.js";
import { analyzeRelease } from "./analyze-release.js";
import type { CompiledQuery } from "./compile-query.js";
import type { QueryNode } from "./query-node.js";
import { collectPositiveLeaves } from "./snippet.js";
import { releaseIndexKeys, releaseSearchKeys } from "./search-keys.js";
import { findTriggerClauses } from "./trigger-keys.js";

/** What the index keeps of a release: enough to order hits and to notice a new revision. */
export interface IndexedRelease {
  readonly id: string;
  readonly date: string;
  readonly updatedAt: string;
}

export type SearchSort = "newest" | "relevance";

export interface SearchOptions {
  /** Hits wanted at most. */
  readonly limit: number;
  /** Loads releases by id (the store); unknown ids are skipped. */
  readonly load: (ids: readonly string[]) => Promise<Release[]>;
  /** `newest` (default): date, then last update, newest first; stops once `limit` are found. */
  readonly sort?: SearchSort;
  /** Releases loaded and tested per batch (default 64). */
  readonly batch?: number;
  /** Awaited between batches (a server yields to other requests there). */
  readonly pause?: () => Promise<void>;
}

export interface SearchResult<R extends Release> {
  readonly hits: R[];
  /** Candidates read from the index (releases that hold every trigger key; reading stops once enough match). */
  readonly candidates: number;
  /** Releases actually loaded and tested. */
  readonly tested: number;
}

/** A growable list of release ordinals. */
interface Posting {
  ids: Uint32Array;
  n: number;
}

/**
 * An inverted index of release text for search and live topic feeds: term (and `kind:` key) →
 * releases holding it. A query is answered by intersecting the postings of its trigger clauses
 * (the keys a release must hold, see `findTriggerClauses`), then testing only those candidates,
 * newest first, with the compiled query: the cost grows with the matches, not with the history.
 * Text itself is not kept; the caller loads candidates from the store. A query with no trigger
 * (`NOT x`) tests releases newest first until enough match.
 */
export class SearchIndex {
  private readonly ordinals = new Map<string, number>();
  private readonly docs: IndexedRelease[] = [];
  private readonly postings = new Map<string, Posting>();
  /** Bumped by each add: callers key caches on it. */
  private version = 0;

  get size(): number {
    return this.docs.length;
  }

  get changes(): number {
    return this.version;
  }

  /** The indexed entry of a release, if any. */
  entry(id: string): IndexedRelease | undefined {
    const at = this.ordinals.get(id);
    return at === undefined ? undefined : this.docs[at];
  }

  /** Whether the release is indexed at this revision. */
  isCurrent(release: IndexedRelease): boolean {
    return this.entry(release.id)?.updatedAt === release.updatedAt;
  }

  /** Adds a release, or its new text (postings of the old text stay: they only add candidates). */
  add(release: Release & { readonly updatedAt?: string }): void {
    this.addKeys(release, releaseSearchKeys(release));
  }

  private addKeys(release: Release & { readonly updatedAt?: string }, keys: readonly string[]): void {
    let ord = this.ordinals.get(release.id);
    if (ord === undefined) {
      ord = this.docs.length;
      this.ordinals.set(release.id, ord);
    }
    this.docs[ord] = { id: release.id, date: release.date, updatedAt: release.updatedAt ?? "" };
    const own = ord;
    const post = (key: string) => {
      const p = this.postings.get(key);
      if (!p) {
        this.postings.set(key, { ids: Uint32Array.of(own), n: 1 });
        return;
      }
      if (p.ids[p.n - 1] === own) return;
      if (p.n === p.ids.length) {
        const grown = new Uint32Array(Math.max(4, Math.ceil(p.ids.length * 1.5)));
        grown.set(p.ids);
        p.ids = grown;
      }
      p.ids[p.n++] = own;
    };
    for (const key of keys) post(key);
    this.version++;
  }

  /** Trims postings to their length (after a bulk build). */
  compact(): void {
    for (const p of this.postings.values()) if (p.ids.length > p.n) p.ids = p.ids.slice(0, p.n);
  }

  /** Ordinals of releases holding a key of every trigger clause; undefined when the query has none. */
  private candidates(compiled: CompiledQuery): number[] | undefined {
    const clauses = findTriggerClauses(compiled.ast, 4);
    if (!clauses) return undefined;
    let result: Set<number> | undefined;
    for (const clause of clauses) {
      const union = new Set<number>();
      for (const key of new Set(clause)) {
        const p = this.postings.get(key);
        if (!p) continue;
        for (let i = 0; i < p.n; i++) {
          const ord = p.ids[i]!;
          if (!result || result.has(ord)) union.add(ord);
        }
      }
      result = union;
      if (result.size === 0) break;
    }
    return [...(result ?? [])];
  }

  /** Releases matching the compiled query, newest first (or by relevance), at most `limit`. */
  async search<R extends Release>(compiled: CompiledQuery, options: Omit<SearchOptions, "load"> & { load: (ids: readonly string[]) => Promise<R[]> }): Promise<SearchResult<R>> {
    const found = this.candidates(compiled);
    const order = (found ?? this.docs.map((_, i) => i)).map((ord) => this.docs[ord]!);
    return testCandidates(compiled, listCandidates(order), options);
  }
}

export { newestFirst };
export { pairKey, releaseIndexKeys, releaseSearchKeys };

function isNewestFirst(list: readonly IndexedRelease[]): boolean {
  for (let i = 1; i < list.length; i++) if (newestFirst(list[i - 1]!, list[i]!) > 0) return false;
  return true;
}

/** Candidates held in a list, handed over newest first (sorted here unless they already are: checking is one pass, sorting 90,000 held an event loop for tens of milliseconds). */
export function listCandidates(entries: IndexedRelease[]): SearchCandidates {
  const order = isNewestFirst(entries) ? entries : entries.sort(newestFirst);
  let at = 0;
  return {
    next: async (n) => {
      const out = order.slice(at, at + n);
      at += out.length;
      return out;
    },
  };
}

/**
 * Keys no match may hold: those of the query's top-level `NOT word` (unscoped) and `NOT kind:x`.
 * A release holding one fails the query, so the index may leave it out of the candidates.
 */
export function excludedKeys(ast: QueryNode): string[] {
  const negated = ast.type === "not" ? [ast] : ast.type === "and" ? ast.children.filter((c) => c.type === "not") : [];
  const out: string[] = [];
  for (const node of negated) {
    if (node.type !== "not") continue;
    const child = node.child;
    if (child.type === "term" && !child.field) out.push(child.term);
    else if (child.type === "kind") out.push(kindKey(child.value));
  }
  return out;
}

/**
 * Clauses for the persisted index (a release must hold a key of each): the adjacent pairs of the
 * query's top-level phrases (rare: `"facial recognition"` names only releases with those words
 * side by side), then its trigger clauses. Empty when nothing is required (`NOT x`).
 */
export function searchClauses(ast: QueryNode): string[][] {
  const phrases = ast.type === "phrase" ? [ast] : ast.type === "and" ? ast.children.filter((c) => c.type === "phrase") : [];
  const pairs = new Set<string>();
  for (const phrase of phrases) {
    if (phrase.type !== "phrase") continue;
    for (let i = 0; i + 1 < phrase.terms.length; i++) pairs.add(pairKey(phrase.terms[i]!, phrase.terms[i + 1]!));
  }
  // Every necessary clause counts here, `kind:` and common words too: the index intersects whole
  // postings (or PostgreSQL tests them per row), so a clause that narrows the candidates at all saves
  // loading and testing releases.
  return [...[...pairs].map((key) => [key]), ...(findTriggerClauses(ast, 4, Number.POSITIVE_INFINITY) ?? [])];
}

/**
 * Reads candidates newest first, in batches, loads them and tests each with the compiled query:
 * newest first stops once `limit` match (so only as many candidates are read as that takes);
 * `relevance` tests them all and ranks them by `scoreRelease` (ties newest first).
 */
export async function testCandidates<R extends Release>(compiled: CompiledQuery, candidates: SearchCandidates, options: Omit<SearchOptions, "load"> & { load: (ids: readonly string[]) => Promise<R[]> }): Promise<SearchResult<R>> {
  const batch = options.batch ?? 64;
  const hits: R[] = [];
  let read = 0;
  let tested = 0;
  const relevance = options.sort === "relevance";
  for (;;) {
    if (!relevance && hits.length >= options.limit) break;
    if (read > 0 && options.pause) await options.pause();
    // Newest first, the first batch is the limit: where candidates are matches, no more is read.
    const entries = await candidates.next(read === 0 && !relevance ? Math.max(1, Math.min(batch, options.limit)) : batch);
    if (entries.length === 0) break;
    read += entries.length;
    const releases = await options.load(entries.map((entry) => entry.id));
    tested += releases.length;
    for (const release of releases) {
      if (!relevance && hits.length >= options.limit) break;
      if (compiled.matches(release)) hits.push(release);
    }
  }
  if (relevance) {
    const scored = hits.map((release, i) => ({ release, i, score: scoreRelease(compiled, release) }));
    scored.sort((a, b) => b.score - a.score || a.i - b.i);
    return { hits: scored.slice(0, options.limit).map((s) => s.release), candidates: read, tested };
  }
  return { hits, candidates: read, tested };
}

/** Relevance: occurrences of the query's positive terms, a title hit counting five, a summary hit two. */
export function scoreRelease(compiled: CompiledQuery, release: Release): number {
  const analyzed = analyzeRelease(release);
  let score = 0;
  for (const leaf of collectPositiveLeaves(compiled.ast)) {
    const terms = leaf.type === "term" ? [leaf.term] : leaf.terms;
    for (const term of terms) {
      for (const position of analyzed.positions.get(term) ?? []) {
        score += position < analyzed.titleEnd ? 5 : position < analyzed.summaryEnd ? 2 : 1;
      }
    }
  }
  return score;
}

/** An empty index. */
export function createSearchIndex(): SearchIndex {
  return new SearchIndex();
}
