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
