import { basename } from "node:path";
import type { RunSummary } from "../../core/run.js";
import { runOnce } from "../../pipeline/run-once.js";
import { validateDigestSchedule } from "../../scheduler/index.js";
import { openContext, type GlobalOptions } from "../context.js";
import { formatSummary } from "../format-summary.js";
import { createProgress } from "../progress.js";

/** Every `pressroom import` is one source: its first import is the baseline, later imports alert. */
export const IMPORT_SOURCE_ID = "import";

function printSummary(summary: RunSummary, label?: string): void {
  const shown = label ? { ...summary, sources: summary.sources.map((s) => ({ ...s, sourceId: label })) } : summary;
  process.stdout.write(`${formatSummary(shown)}\n`);
  for (const s of summary.sources) for (const w of s.warnings) process.stderr.write(`warning: ${w}\n`);
}

/** `pressroom run` and `pressroom import`: exit code 0 only when every source succeeded. */
export async function runCommand(options: GlobalOptions & { alertBacklog?: boolean; files?: readonly string[] }): Promise<number> {
  const progress = createProgress();
  const ctx = await openContext({
    ...options,
    command: options.files ? "pressroom import" : "pressroom run",
    // Reading, then storing a chunk at a time (a dump is stored as it is read, in bytes): with the
    // feeds and the alerts below, the bar covers the whole import.
    onProgress: (source, done, total, phase) => progress.update(`${source} ${phase}`, done, total, phase === "storing" && total > 2_000),
  });
  const bars = {
    // Many feeds (a big import's archive months) and a long send (thousands of alerts) show a bar too.
    onFeedProgress: (done: number, total: number) => progress.update("writing feeds", done, total, total >= 40),
    onSendProgress: (done: number, total: number) => progress.update("sending alerts", done, total, total >= 500),
  };
  try {
    // A digest queued by this run is due when its expression next fires: a bad one stops the run before it starts.
    validateDigestSchedule(ctx.deps.config.schedule);
    if (!options.files) {
      const summary = await runOnce({ ...ctx.deps, ...bars });
      progress.done();
      printSummary(summary);
      return summary.ok ? 0 : 1;
    }
    // One pass per file, in order, all as the `import` source.
    let ok = true;
    for (const file of options.files) {
      const summary = await runOnce({ ...ctx.deps, ...bars, baseDir: process.cwd(), waitForLeasesMs: 10 * 60_000 }, [{ id: IMPORT_SOURCE_ID, type: "dump", path: file }]);
      progress.done();
      printSummary(summary, basename(file));
      ok &&= summary.ok;
    }
    return ok ? 0 : 1;
  } finally {
    progress.done();
    await ctx.close();
  }
}
