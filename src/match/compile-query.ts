import type { Release } from "../core/release.js";
import { type AnalyzedRelease, analyzeRelease } from "./analyze-release.js";
import { evaluateQuery } from "./evaluate-query.js";
import { parseQuery } from "./parse-query.js";
import type { QueryNode } from "./query-node.js";
import { buildSnippet, collectPositiveLeaves, type Snippet } from "./snippet.js";

/** A parsed query, ready to test releases. */
export interface CompiledQuery {
  readonly query: string;
  readonly ast: QueryNode;
  matches(release: Release): boolean;
  /** The matched sentence with highlights, or `undefined` when the release does not match. */
  snippet(release: Release): Snippet | undefined;
}

/** Parses once; throws `QuerySyntaxError` (`QUERY_INVALID`) for a malformed query. */
export function compileQuery(query: string): CompiledQuery {
  const ast = parseQuery(query);
  const leaves = collectPositiveLeaves(ast);
  return {
    query,
    ast,
    matches: (release) => evaluateQuery(ast, analyzeLast(release)),
    snippet: (release) => {
      const analyzed = analyzeLast(release);
      return evaluateQuery(ast, analyzed) ? buildSnippet(leaves, analyzed) : undefined;
    },
  };
}

// One-entry memo: `matches` then `snippet` on one release, or many queries over one release, tokenise it once.
let lastRelease: Release | undefined;
let lastAnalyzed: AnalyzedRelease | undefined;

function analyzeLast(release: Release): AnalyzedRelease {
  if (release !== lastRelease || !lastAnalyzed) {
    lastAnalyzed = analyzeRelease(release);
    lastRelease = release;
  }
  return lastAnalyzed;
}
