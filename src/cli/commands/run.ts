import type { SourceConfig } from "../../config/schema.js";
import { runOnce } from "../../pipeline/run-once.js";
import { openContext, type GlobalOptions } from "../context.js";
import { formatSummary } from "../format-summary.js";
import { createProgress } from "../progress.js";

/** `pressroom run` and `pressroom import`: one pass; exit code 0 only when every source succeeded. */
export async function runCommand(options: GlobalOptions & { alertBacklog?: boolean; files?: readonly string[] }): Promise<number> {
  const progress = createProgress();
  const ctx = await openContext({
    ...options,
    command: options.files ? "pressroom import" : "pressroom run",
    onProgress: (source, done, total) => progress.update(source, done, total),
  });
  try {
    const sources: SourceConfig[] | undefined = options.files?.map((file) => ({
      id: file.split(/[\\/]/).pop() ?? file,
      type: "dump" as const,
      path: file,
    }));
    const summary = await runOnce({ ...ctx.deps, baseDir: options.files ? process.cwd() : ctx.deps.baseDir }, sources);
    progress.done();
    process.stdout.write(`${formatSummary(summary)}\n`);
    for (const s of summary.sources) for (const w of s.warnings) process.stderr.write(`warning: ${w}\n`);
    return summary.ok ? 0 : 1;
  } finally {
    progress.done();
    await ctx.close();
  }
}
