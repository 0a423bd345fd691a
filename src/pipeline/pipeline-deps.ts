import type { Config } from "../config/schema.js";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import type { HttpFetcher } from "../core/source.js";
import type { ComposeOptions, FlushStep, MailTransport } from "../mail/index.js";
import type { StateStore } from "../core/ports.js";
import type { FormPoster } from "./ping-hub.js";

/** Everything a run needs, built by the CLI (or a test) and passed as one object. */
export interface PipelineDeps {
  readonly config: Config;
  /** Folder relative source paths resolve against. */
  readonly baseDir: string;
  readonly store: StateStore;
  readonly http: HttpFetcher;
  readonly clock: Clock;
  readonly log: Logger;
  /** Mail transport; without one, deliveries stay queued in the outbox. */
  readonly transport?: MailTransport;
  readonly compose: Omit<ComposeOptions, never>;
  /** Alert subscribers about a source's backlog on its first ingest too. */
  readonly alertBacklog?: boolean;
  /** Posts WebSub pings when `feeds.websubHub` is configured (default: Node's fetch). */
  readonly postForm?: FormPoster;
  /** Progress of one source: reading (bytes) then storing (items). */
  readonly onProgress?: (sourceId: string, done: number, total: number, phase: "reading" | "storing") => void;
  /** Progress of the outbox flush: deliveries settled out of those due when it started. */
  readonly onSendProgress?: (done: number, total: number) => void;
  /** Feeds written so far out of those a run changed (after its sources are stored). */
  readonly onFeedProgress?: (done: number, total: number) => void;
  /** Who claims outbox work: unique per process (host, pid, random), so claims of a dead sender can be told apart. */
  readonly owner: string;
  /** Wait up to this long for a source another instance is polling (imports), instead of skipping it. */
  readonly waitForLeasesMs?: number;
  /** Test hook: throw at a pipeline step to simulate a crash. */
  readonly crashAt?: (step: PipelineStep | FlushStep, detail: string[]) => void;
  /**
   * When the scheduler woke this run (its cron expression's fire time). Digest alerts the run plans
   * are due at the first digest time at or after it, not after the moment each source is read: a
   * release found by the run the 08:30 wake-up started goes out in that run's 08:30 digest, not the
   * next day's. Without it (a run from the command line, the daemon's first run) they are planned
   * from when the source is read.
   */
  readonly digestsFrom?: Date;
  /** Aborted when the daemon shuts down: the outbox flush starts no new message and gives its claims back. */
  readonly signal?: AbortSignal;
}

export type PipelineStep = "after-commit" | "after-feeds";
