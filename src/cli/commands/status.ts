import { resolve } from "node:path";
import { systemClock } from "../../core/clock.js";
import { detectAnomalies } from "../../pipeline/source-health.js";
import { openStore } from "../../store/open-store.js";
import { readConfig, type GlobalOptions } from "../context.js";
import { IMPORT_SOURCE_ID } from "./run.js";

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
  const store = await openStore(resolve(options.state), { clock: systemClock, readOnly: true });
  const now = systemClock.now();
  const states = await store.sources.list();
  const ids = [...new Set([...config.sources.map((s) => s.id), ...states.map((s) => s.id)])];
  let failing = false;
  const out: string[] = [];
  for (const id of ids) {
    const state = await store.sources.get(id);
    const configured = config.sources.some((s) => s.id === id) || id === IMPORT_SOURCE_ID;
    failing ||= state.consecutiveFailures > 0 && configured;
    out.push(`${id}${configured ? "" : " (not in config)"}: last success ${ago(state.lastSuccessAt, now)}, ${state.consecutiveFailures} consecutive failure(s)${state.lastNewAt ? `, last new release ${ago(state.lastNewAt, now)}` : ""}`);
    for (const anomaly of detectAnomalies(state, now)) out.push(`  ! ${anomaly}`);
  }
  const last = await store.runs.last();
  out.push(last ? `last run: ${ago(last.finishedAt, now)} (${last.ok ? "ok" : "with failures"}, ${last.durationMs} ms)` : "last run: never");
  const deliveries = await store.outbox.list();
  const count = (s: string) => deliveries.filter((d) => d.status === s).length;
  out.push(`outbox: ${count("pending")} pending, ${count("sent")} sent, ${count("failed")} failed`);
  for (const d of deliveries.filter((x) => x.status === "failed").slice(0, 10)) out.push(`  failed: ${d.email} · ${d.snapshot.title}: ${d.lastError ?? "unknown"}`);
  process.stdout.write(`${out.join("\n")}\n`);
  await store.close();
  return failing ? 1 : 0;
}
