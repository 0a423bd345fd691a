import { PressroomError } from "../../core/errors.js";
import { formatLondonDate } from "../../core/london.js";
import { compileQuery, formatHighlighted } from "../../match/index.js";
import type { SearchSort } from "../../match/search-index.js";
import { searchStore } from "../../match/search-releases.js";
import { withState, type GlobalOptions } from "../context.js";

export interface SearchOptions extends GlobalOptions {
  readonly query: string;
  readonly limit: number;
  /** `newest` (default) or `relevance`. */
  readonly sort?: string;
  readonly json?: boolean;
}

/**
 * `pressroom search "<query>"`: what a topic would have matched, with highlighted snippets. Answered
 * from the state's persisted search index (kept by every commit): only the candidates it names are
 * loaded and tested, newest first, stopping once `--limit` match.
 */
export async function searchCommand(options: SearchOptions): Promise<number> {
  const sort = (options.sort ?? "newest") as SearchSort;
  if (sort !== "newest" && sort !== "relevance") throw new PressroomError("USAGE", `--sort must be newest or relevance (got ${options.sort})`);
  const compiled = compileQuery(options.query);
  const { hits, total } = await withState(options, "pressroom search", async (store) => {
    const result = await searchStore(store, compiled, {
      limit: options.limit,
      sort,
      onRebuild: () => process.stderr.write("pressroom: indexing every release for search (once: later commits keep the index up to date)…\n"),
    });
    return { hits: result.hits, total: await store.releases.count() };
  }, "shared");
  if (options.json) {
    const rows = hits.map((release) => {
      const snippet = compiled.snippet(release);
      return { id: release.id, date: release.date, title: release.title, kind: release.kind, department: release.department, url: release.url ?? null, snippet: snippet ? formatHighlighted(snippet, (s) => `«${s}»`) : null };
    });
    process.stdout.write(`${JSON.stringify({ query: options.query, sort, releases: total, matches: rows }, null, 2)}\n`);
    return 0;
  }
  const tty = process.stdout.isTTY;
  const mark = (s: string) => (tty ? `\x1b[1;33m${s}\x1b[0m` : `«${s}»`);
  for (const release of hits) {
    const snippet = compiled.snippet(release);
    process.stdout.write(`${formatLondonDate(release.date)} · ${release.title}\n  ${snippet ? formatHighlighted(snippet, mark) : ""}\n${release.url ? `  ${release.url}\n` : ""}`);
  }
  const more = hits.length >= options.limit ? ` (the first ${options.limit}, ${sort} first; raise --limit for more)` : "";
  process.stdout.write(`${hits.length} match${hits.length === 1 ? "" : "es"} in ${total} releases${more}\n`);
  return 0;
}
