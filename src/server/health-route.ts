import type { IncomingMessage, ServerResponse } from "node:http";
import { detectAnomalies } from "../pipeline/source-health.js";
import { sendJson } from "./send-response.js";
import type { ServerContext } from "./server-context.js";
import { withReadStore } from "./state-access.js";

export interface SourceHealth {
  readonly id: string;
  readonly healthy: boolean;
  readonly consecutiveFailures: number;
  readonly lastSuccessAt: string | null;
  readonly lastRunAt: string | null;
  readonly lastError: string | null;
  readonly anomalies: readonly string[];
}

export interface HealthReport {
  readonly status: "ok" | "failing";
  readonly lastRun: { readonly startedAt: string; readonly finishedAt: string; readonly ok: boolean; readonly durationMs: number } | null;
  readonly sources: readonly SourceHealth[];
}

/** The last run and each configured source's health; `failing` when a configured source is failing. */
export async function collectHealth(ctx: ServerContext): Promise<HealthReport> {
  const now = ctx.clock.now();
  return withReadStore(ctx, async (store) => {
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
        lastError: state.consecutiveFailures > 0 ? (state.lastError ?? null) : null,
        anomalies: detectAnomalies(state, now),
      });
    }
    return {
      status: sources.every((s) => s.healthy) ? "ok" : "failing",
      lastRun: last ? { startedAt: last.startedAt, finishedAt: last.finishedAt, ok: last.ok, durationMs: last.durationMs } : null,
      sources,
    };
  });
}

/** `GET /healthz`: 200 when healthy, 503 when a configured source is failing. */
export async function serveHealth(ctx: ServerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const report = await collectHealth(ctx);
  sendJson(res, report.status === "ok" ? 200 : 503, report, req.method === "HEAD");
}
