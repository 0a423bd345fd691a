/** What one source did in one run. */
export interface SourceRunResult {
  readonly sourceId: string;
  readonly status: "ok" | "not-modified" | "failed" | "skipped";
  readonly new: number;
  readonly revised: number;
  readonly unchanged: number;
  /** True when this was the source's first successful read (its baseline: nobody is alerted). */
  readonly baseline: boolean;
  readonly error?: string;
  readonly warnings: readonly string[];
  readonly durationMs: number;
}

export interface FeedWritten {
  readonly name: string;
  readonly file: string;
  readonly entries: number;
}

/** One pass over the sources: what the CLI prints, the daemon logs, and /healthz and /metrics show. */
export interface RunSummary {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  readonly sources: readonly SourceRunResult[];
  readonly feedsWritten: readonly FeedWritten[];
  readonly deliveries: { readonly enqueued: number; readonly sent: number; readonly failed: number; readonly retrying: number; readonly pending: number };
  /** Every source succeeded (or was not modified) and nothing failed fatally. */
  readonly ok: boolean;
}

export interface RunTotals {
  runs: number;
  releasesNew: number;
  releasesRevised: number;
  sourceFailures: number;
  deliveriesSent: number;
  deliveriesFailed: number;
  runSecondsTotal: number;
}
