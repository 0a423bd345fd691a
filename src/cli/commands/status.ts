import { systemClock } from "../../core/clock.js";
import { countFailures, sendRate } from "../../mail/index.js";
import { detectAnomalies } from "../../pipeline/source-health.js";
import { readConfig, withState, type GlobalOptions } from "../context.js";
import { IMPORT_SOURCE_ID } from "./run.js";

/** Failures classified for the summary line: the most recent ones. */
const FAILURE_SAMPLE = 1_000;

const ago = (iso: string | undefined, now: Date): string => {
  if (!iso) return "never";
  const mins = Math.round((now.getTime() - Date.parse(iso)) / 60_000);
  if (mins < 60) return `${mins} min ago`;
  if (mins < 48 * 60) return `${Math.round(mins / 60)} h ago`;
  return `${Math.round(mins / 1440)} days ago`;
};

/** `pressroom status`: each source's health and anomalies, the last run, the outbox. Exit 1 when a source is failing. */
export async function statusCommand(options: GlobalOptions): Promise<number> {
  const { config } = await readConfig(options);
  const now = systemClock.now();
  return withState(options, "pressroom status", async (store) => {
    const states = await store.sources.list();
    const ids = [...new Set([...config.sources.map((s) => s.id), ...states.map((s) => s.id)])];
    let failing = false;
    const out: string[] = [`state: ${store.location}`];
    for (const id of ids) {
      const state = await store.sources.get(id);
      const configured = config.sources.some((s) => s.id === id) || id === IMPORT_SOURCE_ID;
      failing ||= state.consecutiveFailures > 0 && configured;
      out.push(`${id}${configured ? "" : " (not in config)"}: last success ${ago(state.lastSuccessAt, now)}, ${state.consecutiveFailures} consecutive failure(s)${state.lastNewAt ? `, last new release ${ago(state.lastNewAt, now)}` : ""}`);
      for (const anomaly of detectAnomalies(state, now)) out.push(`  ! ${anomaly}`);
    }
    const last = await store.runs.last();
    out.push(last ? `last run: ${ago(last.finishedAt, now)} (${last.ok ? "ok" : "with failures"}, ${last.durationMs} ms)` : "last run: never");
    const stats = await store.outbox.stats(now);
    const oldest = stats.oldestPendingAt ? `, oldest pending queued ${ago(stats.oldestPendingAt, now)}` : "";
    out.push(`outbox: ${stats.pending} pending (${stats.due} due${oldest}), ${stats.sent} sent, ${stats.failed} failed`);
    if (last && last.deliveries.sent > 0) out.push(`  send rate: ${sendRate(last).toFixed(1)} alerts/s over the last run (${last.deliveries.sent} sent in ${(last.durationMs / 1000).toFixed(1)} s)`);
    const failures = await store.outbox.recentFailures(FAILURE_SAMPLE);
    if (failures.length > 0) {
      const byClass = Object.entries(countFailures(failures)).filter(([, n]) => n > 0).map(([c, n]) => `${c} ${n}`);
      out.push(`  failures by class${failures.length === FAILURE_SAMPLE ? ` (last ${FAILURE_SAMPLE})` : ""}: ${byClass.join(", ")}`);
    }
    for (const d of failures.slice(0, 10)) out.push(`  failed: ${d.email} · ${d.snapshot.title}: ${d.lastError ?? "unknown"}`);
    process.stdout.write(`${out.join("\n")}\n`);
    return failing ? 1 : 0;
  }, "shared");
}
