import { resolve } from "node:path";
import { systemClock } from "../../core/clock.js";
import { formatLondonDate } from "../../core/london.js";
import { formatHighlighted, searchReleases } from "../../match/index.js";
import { openStore } from "../../store/open-store.js";
import type { GlobalOptions } from "../context.js";

/** `pressroom search "<query>"`: what a topic would have matched, with highlighted snippets. */
export async function searchCommand(options: GlobalOptions & { query: string; limit: number }): Promise<number> {
  const store = await openStore(resolve(options.state), { clock: systemClock, readOnly: true });
  const releases = [];
  for await (const release of store.releases.all()) releases.push(release);
  await store.close();
  const hits = searchReleases(options.query, releases);
  const tty = process.stdout.isTTY;
  const mark = (s: string) => (tty ? `\x1b[1;33m${s}\x1b[0m` : `«${s}»`);
  for (const { release, snippet } of hits.slice(0, options.limit)) {
    process.stdout.write(`${formatLondonDate(release.date)} · ${release.title}\n  ${formatHighlighted(snippet, mark)}\n${release.url ? `  ${release.url}\n` : ""}`);
  }
  process.stdout.write(`${hits.length} match${hits.length === 1 ? "" : "es"} in ${releases.length} releases\n`);
  return 0;
}
