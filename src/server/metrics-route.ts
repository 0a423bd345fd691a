import type { IncomingMessage, ServerResponse } from "node:http";
import type { DeliveryStatus } from "../core/subscription.js";
import { countFailures, FAILURE_CLASSES, sendRate } from "../mail/index.js";
import type { ServerContext } from "./server-context.js";

export const PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const escapeLabel = (value: string) => value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

function family(name: string, type: "counter" | "gauge" | "summary", help: string, samples: readonly [string, number][]): string {
  return [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples.map(([series, value]) => `${series} ${Number.isFinite(value) ? value : 0}`)].join("\n");
}

/** The Prometheus text exposition (format 0.0.4) of run totals, the last run, the outbox and sources. */
export async function renderMetrics(ctx: ServerContext): Promise<string> {
  const { store } = ctx;
  const totals = await store.runs.totals();
  const last = await store.runs.last();
  const stats = await store.outbox.stats(ctx.clock.now());
  const counts: Record<DeliveryStatus, number> = { sent: stats.sent, failed: stats.failed, pending: stats.pending, cancelled: stats.cancelled };
  const oldestAge = stats.oldestPendingAt ? (ctx.clock.now().getTime() - Date.parse(stats.oldestPendingAt)) / 1000 : 0;
  const failures = countFailures(await store.outbox.recentFailures(1_000));
  const sources = await Promise.all(ctx.config.sources.map((s) => store.sources.get(s.id)));
  return `${[
    family("pressroom_runs_total", "counter", "Runs completed.", [["pressroom_runs_total", totals.runs]]),
    family("pressroom_releases_new_total", "counter", "New releases found.", [["pressroom_releases_new_total", totals.releasesNew]]),
    family("pressroom_releases_revised_total", "counter", "Revisions of known releases found.", [["pressroom_releases_revised_total", totals.releasesRevised]]),
    family("pressroom_deliveries", "gauge", "Deliveries kept in the outbox, by status.",
      (["sent", "failed", "pending", "cancelled"] as const).map((s) => [`pressroom_deliveries{status="${s}"}`, counts[s]])),
    family("pressroom_outbox_due", "gauge", "Pending deliveries due now.", [["pressroom_outbox_due", stats.due]]),
    family("pressroom_outbox_oldest_pending_age_seconds", "gauge", "Age of the oldest pending delivery.", [["pressroom_outbox_oldest_pending_age_seconds", Math.max(0, oldestAge)]]),
    family("pressroom_outbox_depth", "gauge", "Pending deliveries in the outbox (queue depth).", [["pressroom_outbox_depth", stats.pending]]),
    family("pressroom_last_run_send_rate", "gauge", "Alerts sent per second over the last run.", [["pressroom_last_run_send_rate", sendRate(last)]]),
    family("pressroom_deliveries_failed_by_class", "gauge", "Failed deliveries among the last 1,000 failures, by class.",
      FAILURE_CLASSES.map((c) => [`pressroom_deliveries_failed_by_class{class="${c}"}`, failures[c]])),
    family("pressroom_deliveries_sent_total", "counter", "Deliveries sent by runs.", [["pressroom_deliveries_sent_total", totals.deliveriesSent]]),
    family("pressroom_deliveries_failed_total", "counter", "Deliveries that failed for good.", [["pressroom_deliveries_failed_total", totals.deliveriesFailed]]),
    family("pressroom_source_failures_total", "counter", "Source reads that failed.", [["pressroom_source_failures_total", totals.sourceFailures]]),
    family("pressroom_source_consecutive_failures", "gauge", "Consecutive failed reads of each configured source.",
      sources.map((s) => [`pressroom_source_consecutive_failures{source="${escapeLabel(s.id)}"}`, s.consecutiveFailures])),
    family("pressroom_run_duration_seconds", "summary", "Duration of runs.", [
      ["pressroom_run_duration_seconds_sum", totals.runSecondsTotal],
      ["pressroom_run_duration_seconds_count", totals.runs],
    ]),
    family("pressroom_last_run_duration_seconds", "gauge", "Duration of the last run.", [["pressroom_last_run_duration_seconds", last ? last.durationMs / 1000 : 0]]),
    family("pressroom_last_run_timestamp_seconds", "gauge", "When the last run finished (Unix time).", [["pressroom_last_run_timestamp_seconds", last ? Date.parse(last.finishedAt) / 1000 : 0]]),
    family("pressroom_last_run_ok", "gauge", "1 when every source of the last run succeeded.", [["pressroom_last_run_ok", last?.ok ? 1 : 0]]),
  ].join("\n")}\n`;
}

/** `GET /metrics` */
export async function serveMetrics(ctx: ServerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = Buffer.from(await renderMetrics(ctx), "utf8");
  res.writeHead(200, { "Content-Type": PROMETHEUS_TYPE, "Cache-Control": "no-store", "Content-Length": String(body.length) });
  res.end(req.method === "HEAD" ? undefined : body);
}
