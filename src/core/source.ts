import type { Clock } from "./clock.js";
import type { Logger } from "./logger.js";
import type { Release } from "./release.js";

/** Conditional-GET validators remembered per URL. */
export interface HttpValidators {
  readonly etag?: string;
  readonly lastModified?: string;
}

export type HttpResult =
  | { readonly status: "not-modified"; readonly url: string }
  | {
      readonly status: "ok";
      /** Final URL after redirects. */
      readonly url: string;
      readonly body: string;
      readonly contentType: string;
      readonly validators: HttpValidators;
    };

export interface HttpRequestOptions {
  readonly validators?: HttpValidators;
  readonly accept?: string;
  /** Overrides the fetcher's default timeout (ms). */
  readonly timeoutMs?: number;
}

/** Polite HTTP GET used by every live source (see `src/sources/http-fetch.ts`). Throws `PressroomError` FETCH_*. */
export interface HttpFetcher {
  get(url: string, options?: HttpRequestOptions): Promise<HttpResult>;
}

/** One item a source produced: a normalised release plus where it came from. */
export interface SourceItem {
  readonly release: Release;
  /** The source's own id for the item (Atom id, guid, GOV.UK path, dump file:line). */
  readonly sourceItemId?: string;
  /** URL of the item at this source, if any. */
  readonly url?: string;
  /**
   * The source's own version stamp of the item (GOV.UK organisation-feed `<url>#<timestamp>` id,
   * finder-feed `updated`): a new stamp is an edit even when the text the feed carries is unchanged.
   */
  readonly version?: string;
}

/** What an adapter may remember between runs. Adapter-owned, JSON-serialisable. */
export type SourceCursor = Record<string, unknown>;

export interface SourceContext {
  readonly http: HttpFetcher;
  readonly clock: Clock;
  readonly log: Logger;
  /** Folder relative paths in config are resolved against (the config file's project root). */
  readonly baseDir: string;
  /** The cursor this adapter returned after its last successful run ({} at first). */
  readonly cursor: SourceCursor;
  /** Optional progress callback for long work (bytes or items). */
  readonly onProgress?: (done: number, total: number) => void;
  /** Items a streamed read hands over at a time: the state's unit of work (default ITEMS_PER_UNIT). */
  readonly itemsPerUnit?: number;
}

/**
 * Items per unit of work when the state does not say (`StateStore.itemsPerUnit`): a streamed read
 * hands them over in batches of this size, and the pipeline commits the same. A unit's working set
 * (its items and the next batch's, their stored JSON, its files) is most of an import's memory.
 */
export const ITEMS_PER_UNIT = 1_000;

/** Items a large read hands over while it reads (see `SourceResult.batches`), with its progress in bytes. */
export interface SourceBatch {
  readonly items: readonly SourceItem[];
  readonly done: number;
  readonly total: number;
}

export interface SourceResult {
  /** `not-modified` means nothing was fetched (conditional GET 304, no new inbox files). */
  readonly status: "ok" | "not-modified";
  readonly items: readonly SourceItem[];
  /**
   * A large read (a dump file) is not held whole: its items come in batches, read while earlier
   * ones are stored, and `items` is empty. Iterating may throw as `read` would (a dump with no
   * release); `cursor` and `warnings` are complete once the batches are done.
   */
  readonly batches?: AsyncIterable<SourceBatch>;
  /** Cursor to persist if the run is committed. */
  readonly cursor: SourceCursor;
  /** Non-fatal problems (a dump block that could not be parsed, with file and line). */
  readonly warnings: readonly string[];
}

/** A source kind: one typed object with the handler, as in RSSHub. */
export interface SourceAdapter<C extends { id: string; type: string } = { id: string; type: string }> {
  readonly type: C["type"];
  read(config: C, context: SourceContext): Promise<SourceResult>;
}

/** Health kept per source by the store. */
export interface SourceState {
  readonly id: string;
  readonly lastRunAt?: string;
  readonly lastSuccessAt?: string;
  readonly lastError?: string;
  readonly lastErrorAt?: string;
  readonly consecutiveFailures: number;
  /** When this source first completed successfully (its baseline). */
  readonly baselineAt?: string;
  /** When the source last yielded a new release. */
  readonly lastNewAt?: string;
  /** Item counts of the last few successful reads, newest last (anomaly detection). */
  readonly recentItemCounts: readonly number[];
  /** Intervals in hours between the last few new releases, newest last. */
  readonly recentGapsHours: readonly number[];
  readonly cursor: SourceCursor;
}

/** The state of a source never polled. */
export function emptySourceState(id: string): SourceState {
  return { id, consecutiveFailures: 0, recentItemCounts: [], recentGapsHours: [], cursor: {} };
}
