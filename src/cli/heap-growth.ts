import { setFlagsFromString } from "node:v8";

/**
 * How far V8 lets the old generation grow past what the last full collection left alive before it
 * collects again: 50% (its own choice is dynamic, up to 300%). A run that loads a big state holds a
 * lot alive from the start, and V8 then let a send's garbage grow to about four times that before
 * collecting: sending 100,000 lowdb digests (73 MB alive after the outbox loaded) peaked at 390 MB
 * RSS, with 76 MB alive after the collection that finally came; at 50% it peaked at 237–244 MB and
 * took no longer (81–87 s against 90 s).
 */
export const HEAP_GROWING_PERCENT = 50;

/**
 * The V8 flag to set, or undefined when the operator chose their own (on the command line or in
 * NODE_OPTIONS): theirs wins.
 */
export function heapGrowthFlag(execArgv: readonly string[], nodeOptions: string | undefined): string | undefined {
  const chosen = (arg: string) => /^--heap[-_]growing[-_]percent(=|$)/.test(arg);
  if (execArgv.some(chosen) || (nodeOptions ?? "").split(/\s+/).some(chosen)) return undefined;
  return `--heap-growing-percent=${HEAP_GROWING_PERCENT}`;
}

/** Sets the heap growth of this process (see HEAP_GROWING_PERCENT); called first by the CLI. */
export function limitHeapGrowth(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS): void {
  const flag = heapGrowthFlag(execArgv, nodeOptions);
  if (flag) setFlagsFromString(flag);
}
