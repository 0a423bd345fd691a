import type { RunSummary } from "../core/run.js";

/** `sample: 10 new, 0 revised, 0 unchanged · wrote feeds/all.atom (10 entries) and 12 other feeds` */
export function formatSummary(run: RunSummary): string {
  const lines = run.sources.map((s) => {
    if (s.status === "failed") return `${s.sourceId}: FAILED: ${s.error}`;
    if (s.status === "skipped") return `${s.sourceId}: skipped (another instance is polling it)`;
    const counts = s.status === "not-modified" ? "not modified, 0 new" : `${s.new} new, ${s.revised} revised, ${s.unchanged} unchanged`;
    const extra = [s.baseline && s.new > 0 && run.deliveries.enqueued === 0 ? "baseline: no alerts" : "", s.warnings.length ? `${s.warnings.length} block(s) skipped` : ""].filter(Boolean).join(", ");
    return `${s.sourceId}: ${counts}${extra ? ` (${extra})` : ""}`;
  });
  const all = run.feedsWritten.find((f) => f.name === "all") ?? run.feedsWritten[0];
  const feeds = all
    ? `wrote ${all.file} (${all.entries} entries)${run.feedsWritten.length > 1 ? ` and ${run.feedsWritten.length - 1} other feed${run.feedsWritten.length > 2 ? "s" : ""}` : ""}`
    : "no feed changed";
  const d = run.deliveries;
  const mail = d.enqueued || d.sent || d.failed || d.pending ? ` · alerts: ${d.enqueued} queued, ${d.sent} sent, ${d.failed} failed, ${d.pending} pending` : "";
  if (lines.length === 1) return `${lines[0]} · ${feeds}${mail}`;
  return [...lines, `${feeds}${mail}`].join("\n");
}
