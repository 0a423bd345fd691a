import type { StateStore } from "../core/ports.js";
import type { StoredRelease } from "../core/release.js";
import type { CompiledQuery } from "./compile-query.js";
import { createSearchIndex, excludedKeys, searchClauses, testCandidates, type SearchResult, type SearchSort } from "./search-index.js";
import type { Release } from "../core/release.js";
import { analyzeRelease } from "./analyze-release.js";
import { evaluateQuery } from "./evaluate-query.js";
import { parseQuery } from "./parse-query.js";
import { buildSnippet, collectPositiveLeaves, type Snippet } from "./snippet.js";

export interface SearchHit {
  readonly release: Release;
  readonly snippet: Snippet;
}

/** Releases matching the query, in the order given, each with its highlighted snippet. */
export function searchReleases(query: string, releases: Iterable<Release>): SearchHit[] {
  const ast = parseQuery(query);
  const leaves = collectPositiveLeaves(ast);
  const hits: SearchHit[] = [];
  for (const release of releases) {
    const analyzed = analyzeRelease(release);
    if (evaluateQuery(ast, analyzed)) hits.push({ release, snippet: buildSnippet(leaves, analyzed) });
  }
  return hits;
}

export interface StoredSearchOptions {
  readonly limit: number;
  readonly sort?: SearchSort;
  /** Awaited between batches of loaded candidates (a server yields there). */
  readonly pause?: () => Promise<void>;
  /** Told when the persisted index does not cover the state and is rebuilt (a state from before it). */
  readonly onRebuild?: () => void;
}

/**
 * A query answered from the store's persisted search index: the candidates the index names (a key
 * of every trigger clause), newest first, are loaded in batches and tested with the query itself,
 * so the hits are exactly those of testing every release. An index that does not cover the state
 * is rebuilt once; when that cannot be done (a read-only state) the releases are indexed in memory.
 */
export async function searchStore(store: Pick<StateStore, "search" | "releases">, compiled: CompiledQuery, options: StoredSearchOptions): Promise<SearchResult<StoredRelease>> {
  const clauses = searchClauses(compiled.ast);
  const load = (ids: readonly string[]) => store.releases.getMany(ids);
  const tested = { limit: options.limit, load, ...(options.sort ? { sort: options.sort } : {}), ...(options.pause ? { pause: options.pause } : {}) };
  const without = excludedKeys(compiled.ast);
  let entries = await store.search.candidates(clauses, without);
  if (!entries) {
    options.onRebuild?.();
    try {
      await store.search.rebuild();
      entries = await store.search.candidates(clauses, without);
    } catch {
      entries = undefined;
    }
  }
  if (!entries) {
    const index = createSearchIndex();
    for await (const release of store.releases.all()) index.add(release);
    return index.search(compiled, tested);
  }
  return testCandidates(compiled, entries, tested);
}
