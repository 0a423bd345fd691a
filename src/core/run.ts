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

/** Runs kept for /healthz and `status`; totals cover every run ever recorded. */
export const KEEP_RUNS = 50;

export function emptyTotals(): RunTotals {
  return { runs: 0, releasesNew: 0, releasesRevised: 0, sourceFailures: 0, deliveriesSent: 0, deliveriesFailed: 0, runSecondsTotal: 0 };
}

/** Totals after one more run: every engine counts the same way. */
export function addRunToTotals(t: RunTotals, run: RunSummary): RunTotals {
  const next = { ...emptyTotals(), ...t, runs: t.runs + 1 };
  for (const s of run.sources) {
    next.releasesNew += s.new;
    next.releasesRevised += s.revised;
    if (s.status === "failed") next.sourceFailures++;
  }
  next.deliveriesSent += run.deliveries.sent;
  next.deliveriesFailed += run.deliveries.failed;
  next.runSecondsTotal += run.durationMs / 1000;
  return next;
}
