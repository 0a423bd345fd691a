import { formatLondonDate } from "../../core/london.js";
import { formatHighlighted, searchReleases } from "../../match/index.js";
import type { StoredRelease } from "../../core/release.js";
import { withState, type GlobalOptions } from "../context.js";

/** `pressroom search "<query>"`: what a topic would have matched, with highlighted snippets. */
export async function searchCommand(options: GlobalOptions & { query: string; limit: number }): Promise<number> {
  const releases = await withState(options, "pressroom search", async (store) => {
    const all: StoredRelease[] = [];
    for await (const release of store.releases.all()) all.push(release);
    return all;
  }, "shared");
  // Newest first; ties by id, so every engine lists the same results in the same order.
  const hits = searchReleases(options.query, releases).sort((x, y) => y.release.date.localeCompare(x.release.date) || x.release.id.localeCompare(y.release.id));
  const tty = process.stdout.isTTY;
  const mark = (s: string) => (tty ? `\x1b[1;33m${s}\x1b[0m` : `«${s}»`);
  for (const { release, snippet } of hits.slice(0, options.limit)) {
    process.stdout.write(`${formatLondonDate(release.date)} · ${release.title}\n  ${formatHighlighted(snippet, mark)}\n${release.url ? `  ${release.url}\n` : ""}`);
  }
  process.stdout.write(`${hits.length} match${hits.length === 1 ? "" : "es"} in ${releases.length} releases\n`);
  return 0;
}
