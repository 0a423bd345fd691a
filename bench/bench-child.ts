import { spawn } from "node:child_process";

/**
 * Runs a bench file in a child process (`node script ...args`) and gives the JSON of the last line
 * it printed. With `limitMs`, the child is killed at the limit; if it printed a line by then, that
 * line is given with `stopped` (a long run reports as it goes), else the run fails.
 */
export function runBenchChild<T>(script: string, args: readonly string[], limitMs?: number): Promise<{ value: T; stopped: boolean }> {
  return new Promise((resolve, reject) => {
    // As bin/pressroom starts the CLI: glibc's malloc held to two arenas unless the caller chose.
    const env = { ...process.env, MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? "2" };
    const child = spawn(process.execPath, [script, ...args], { stdio: ["ignore", "pipe", "inherit"], env });
    let out = "";
    let stopped = false;
    const timer = limitMs === undefined ? undefined : setTimeout(() => {
      stopped = true;
      child.kill("SIGKILL");
    }, limitMs);
    child.stdout.on("data", (d: Buffer) => { out += d.toString(); });
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      const last = out.trim().split("\n").pop() ?? "";
      if (code !== 0 && !(stopped && last)) return reject(new Error(`bench: the ${args[0]} child exited ${code}${stopped ? ` (stopped at the ${limitMs! / 1000} s limit)` : ""}: ${out}`));
      try {
        resolve({ value: JSON.parse(last) as T, stopped });
      } catch (error) {
        reject(error);
      }
    });
  });
}
