import type { IncomingMessage, ServerResponse } from "node:http";
import { detectAnomalies } from "../pipeline/source-health.js";
import { sendJson } from "./send-response.js";
import type { ServerContext } from "./server-context.js";

export interface SourceHealth {
  readonly id: string;
  readonly healthy: boolean;
  readonly consecutiveFailures: number;
  readonly lastSuccessAt: string | null;
  readonly lastRunAt: string | null;
  /**
   * The kind of the last error (`http 404`, `dump`, `timeout`), never its text: messages can hold
   * credentials in feed URLs and local paths. The detail is in `pressroom status` and the logs.
   */
  readonly errorClass: string | null;
  readonly anomalies: readonly string[];
}

export interface HealthReport {
  readonly status: "ok" | "failing";
  readonly lastRun: { readonly startedAt: string; readonly finishedAt: string; readonly ok: boolean; readonly durationMs: number } | null;
  readonly sources: readonly SourceHealth[];
}

/** A public class for an error message: its module prefix (`dump`, `http`) plus an HTTP status or a timeout when it names one. */
export function errorClassOf(message: string | undefined): string {
  if (!message) return "error";
  const prefix = /^([a-z][a-z0-9-]{0,20}):/i.exec(message)?.[1]?.toLowerCase() ?? "error";
  const status = /\b(?:HTTP|status)\s*([1-5]\d\d)\b/i.exec(message)?.[1];
  if (status) return `${prefix} ${status}`;
  if (/timed? ?out|timeout/i.test(message)) return `${prefix} timeout`;
  if (/no such file|not found|ENOENT/i.test(message)) return `${prefix} not-found`;
  return prefix;
}

/** The last run and each configured source's health; `failing` when a configured source is failing. */
export async function collectHealth(ctx: ServerContext): Promise<HealthReport> {
  const now = ctx.clock.now();
  const { store } = ctx;
  const last = await store.runs.last();
  const sources: SourceHealth[] = [];
  for (const source of ctx.config.sources) {
    const state = await store.sources.get(source.id);
    sources.push({
      id: source.id,
      healthy: state.consecutiveFailures === 0,
      consecutiveFailures: state.consecutiveFailures,
      lastSuccessAt: state.lastSuccessAt ?? null,
      lastRunAt: state.lastRunAt ?? null,
      errorClass: state.consecutiveFailures > 0 ? errorClassOf(state.lastError) : null,
      // An anomaly may quote the last error: only its class is public.
      anomalies: detectAnomalies(state, now).map((a) => a.replace(/, last: [\s\S]*$/, `, last: ${errorClassOf(state.lastError)}`)),
    });
  }
  return {
    status: sources.every((s) => s.healthy) ? "ok" : "failing",
    lastRun: last ? { startedAt: last.startedAt, finishedAt: last.finishedAt, ok: last.ok, durationMs: last.durationMs } : null,
    sources,
  };
}

/** A report is reused for this long while the state's generation is unchanged (a probe storm reads nothing). */
const HEALTH_REUSE_MS = 1_000;
/**
 * Past HEALTH_REUSE_MS, and up to this age, a report is still answered at once while a fresh one is
 * read in the background: under load (the database busy with live queries) a probe never waits for
 * the state. An older report, or one of another generation, is read before answering.
 */
const HEALTH_STALE_MS = 10_000;

interface KeptReport {
  readonly generation: string;
  readonly at: number;
  readonly report: Promise<HealthReport>;
  refreshing?: boolean;
}

const lastReports = new WeakMap<ServerContext, KeptReport>();

function readReport(ctx: ServerContext, generation: string): KeptReport {
  const kept: KeptReport = { generation, at: Date.now(), report: collectHealth(ctx) };
  kept.report.catch(() => {
    if (lastReports.get(ctx) === kept) lastReports.delete(ctx);
  });
  return kept;
}

/** `GET /healthz`: 200 when healthy, 503 when a configured source is failing. */
export async function serveHealth(ctx: ServerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const generation = await ctx.generation.current();
  let last = lastReports.get(ctx);
  const age = last ? Date.now() - last.at : Number.POSITIVE_INFINITY;
  if (!last || last.generation !== generation || age > HEALTH_STALE_MS) {
    last = readReport(ctx, generation);
    lastReports.set(ctx, last);
  } else if (age > HEALTH_REUSE_MS && !last.refreshing) {
    last.refreshing = true;
    const next = readReport(ctx, generation);
    // The fresh report replaces the kept one once read; until then the kept one answers.
    next.report.then(() => { if (lastReports.get(ctx)?.generation === generation) lastReports.set(ctx, next); }, () => { last!.refreshing = false; });
  }
  const report = await last.report;
  sendJson(res, report.status === "ok" ? 200 : 503, report, req.method === "HEAD");
}
