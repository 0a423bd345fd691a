import { describeError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { StateStore } from "../core/ports.js";
import { ALL_FEED } from "../feeds/feed-names.js";
import type { StoredRelease } from "../core/release.js";
import type { CompiledQuery } from "../match/index.js";
import { createSearchIndex, excludedKeys, searchClauses, testCandidates, type SearchIndex, type SearchResult } from "../match/search-index.js";

/** Releases indexed between two yields to the event loop while building (keeps /healthz quick). */
const BUILD_SLICE = 200;

const yieldNow = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The server's search, shared by every live-feed request. It asks the state's persisted index
 * (`store.search`, kept by every commit) for candidates: nothing is built at start and memory does
 * not grow with the history. Only when that index does not cover the state (an older state, a
 * writer without search keys) does it fall back to an index of its own in memory, built once from the store,
 * then brought up to date when the generation changes — the newest entries of the all feed are
 * checked (new and revised releases of a run), and a full pass adds whatever is still missing when
 * the counts disagree (a large import).
 */
export class LiveIndex {
  private readonly index: SearchIndex = createSearchIndex();
  private syncedAt: string | undefined;
  private syncing: Promise<SearchIndex> | undefined;

  constructor(private readonly store: StateStore, private readonly log: Logger) {}

  get size(): number {
    return this.index.size;
  }

  /**
   * Releases matching the query, newest first, at most `limit`: candidates from the persisted index
   * (or the in-memory one), loaded in batches with `pause` between them.
   */
  async search(compiled: CompiledQuery, generation: string, options: { limit: number; pause: () => Promise<void>; batch?: number }): Promise<SearchResult<StoredRelease>> {
    const load = (ids: readonly string[]) => this.store.releases.getMany(ids);
    const entries = await this.store.search.candidates(searchClauses(compiled.ast), excludedKeys(compiled.ast));
    if (entries) {
      await options.pause();
      return testCandidates(compiled, entries, { ...options, load });
    }
    const index = await this.at(generation);
    return index.search(compiled, { ...options, load });
  }

  /** At start: builds the in-memory index only if the persisted one cannot answer. */
  async warm(generation: string): Promise<void> {
    if ((await this.store.search.candidates([[" "]])) === undefined) {
      this.log.warn("search index of the state is out of date: indexing in memory (pressroom search rebuilds it)", {});
      await this.at(generation);
    }
  }

  /** The index, current as of `generation` (waits for a build or update in progress). */
  async at(generation: string): Promise<SearchIndex> {
    if (this.syncedAt === generation && !this.syncing) return this.index;
    // A build or update in progress may have started before this generation's changes (and the
    // answer is cached under this generation): wait for it, then update again if it was for another.
    if (this.syncing) await this.syncing;
    if (this.syncedAt === generation) return this.index;
    this.syncing ??= this.sync(generation).finally(() => {
      this.syncing = undefined;
    });
    return this.syncing;
  }

  private async sync(generation: string): Promise<SearchIndex> {
    const started = Date.now();
    const first = this.syncedAt === undefined;
    try {
      if (!first) {
        const entries = await this.store.feeds.entries(ALL_FEED);
        const stale = entries.filter((e) => !this.index.isCurrent(e)).map((e) => e.id);
        for (const release of await this.store.releases.getMany(stale)) this.index.add(release);
      }
      if (first || (await this.store.releases.count()) !== this.index.size) {
        let n = 0;
        for await (const release of this.store.releases.all()) {
          if (!this.index.isCurrent(release)) this.index.add(release);
          if (++n % BUILD_SLICE === 0) await yieldNow();
        }
        this.index.compact();
        this.log.info("search index built", { releases: this.index.size, ms: Date.now() - started });
      }
      this.syncedAt = generation;
    } catch (error) {
      this.log.error("search index update failed", { error: describeError(error) });
      if (first) throw error;
    }
    return this.index;
  }
}
