import type { Config } from "../config/schema.js";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { StateStore } from "../core/ports.js";
import type { MailTransport } from "../mail/index.js";
import type { GenerationWatch } from "./generation-watch.js";
import type { LiveIndex } from "./live-index.js";
import type { LiveFeedOptions, SerialLane } from "./live-topic-feed.js";
import type { RepresentationCache } from "./representation-cache.js";
import type { SubscribeLimiters } from "./subscribe-limits.js";

/** What every route handler may use. Built once per server by `createServer`. */
export interface ServerContext {
  /** The state, through the port: the server never sees a folder or a database. */
  readonly store: StateStore;
  readonly config: Config;
  /** HMAC secret of unsubscribe tokens. */
  readonly secret: string;
  readonly transport: MailTransport;
  readonly clock: Clock;
  readonly log: Logger;
  /** Absolute base URL used in emails (config.feeds.baseUrl, or the listening URL). */
  publicUrl(): string;
  /** Per-client and per-address limits of POST /subscribe (in memory, per server). */
  readonly subscribeLimiters: SubscribeLimiters;
  /** Concurrency cap and result cache of /feeds/topics?q=… */
  readonly liveFeed: LiveFeedOptions;
  /** Live queries being computed now or waiting for the lane. */
  readonly liveQueries: { running: number };
  /** Where live queries are computed, one at a time. */
  readonly liveLane: SerialLane;
  /** The state's generation: the key of every cached representation. */
  readonly generation: GenerationWatch;
  /** Feed documents as sent (bytes, gzip, ETag), within a byte budget. */
  readonly feedCache: RepresentationCache;
  /** Search index of every release, shared by live feeds and release pages. */
  readonly liveIndex: LiveIndex;
}
