import { redactUrls } from "../core/redact-url.js";
import type { SourceRunResult } from "../core/run.js";
import type { SourceCursor, SourceState } from "../core/source.js";

const KEEP = 10;
const push = <T>(list: readonly T[], value: T): T[] => [...list, value].slice(-KEEP);

/** Source state after a successful read. */
export function recordSuccess(state: SourceState, result: SourceRunResult, cursor: SourceCursor, items: number, now: Date): SourceState {
  const at = now.toISOString();
  let gaps = state.recentGapsHours;
  if (result.new > 0 && state.lastNewAt) gaps = push(gaps, (now.getTime() - Date.parse(state.lastNewAt)) / 3_600_000);
  return {
    ...state,
    lastRunAt: at,
    lastSuccessAt: at,
    consecutiveFailures: 0,
    baselineAt: state.baselineAt ?? at,
    lastNewAt: result.new > 0 ? at : state.lastNewAt,
    recentItemCounts: result.status === "ok" ? push(state.recentItemCounts, items) : state.recentItemCounts,
    recentGapsHours: gaps,
    cursor,
  };
}

/** Source state after a failed read: cursor and releases untouched. */
export function recordFailure(state: SourceState, error: string, now: Date): SourceState {
  const at = now.toISOString();
  return { ...state, lastRunAt: at, lastError: redactUrls(error), lastErrorAt: at, consecutiveFailures: state.consecutiveFailures + 1 };
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor(sorted.length / 2)]! : 0;
};

/**
 * Health anomalies worth a human look: repeated failures, a source that suddenly returns no items,
 * or one silent far longer than usual. Shown in `status`, /healthz and logs; never in public feeds.
 */
export function detectAnomalies(state: SourceState, now: Date): string[] {
  const out: string[] = [];
  if (state.consecutiveFailures > 0) out.push(`failing: ${state.consecutiveFailures} consecutive failure(s), last: ${state.lastError ?? "unknown error"}`);
  const counts = state.recentItemCounts;
  const latest = counts[counts.length - 1];
  const before = counts.slice(0, -1);
  if (latest === 0 && before.length > 0 && median(before) > 0) out.push(`returned no items (usually ${median(before)})`);
  if (state.lastNewAt && state.recentGapsHours.length >= 3) {
    const usual = median(state.recentGapsHours);
    const silent = (now.getTime() - Date.parse(state.lastNewAt)) / 3_600_000;
    if (usual > 0 && silent > Math.max(usual * 5, 24)) out.push(`silent for ${Math.round(silent)} h (usually a new release every ${Math.round(usual)} h)`);
  }
  return out;
}
