import { describeError } from "../core/errors.js";
import { settlesWithin } from "../core/settles-within.js";
import type { Logger } from "../core/logger.js";

export type RunReason = "initial" | "schedule" | "daily-digest" | "weekly-digest";

/** Runs one job at a time: a trigger while a run is in flight is skipped, never queued or overlapped. */
export interface RunGuard {
  /** Starts a run unless one is in flight or the guard is closed; resolves when that run ends. `wokeAt`: the cron fire time that woke it. */
  trigger(reason: RunReason, wokeAt?: Date): Promise<"ran" | "skipped">;
  readonly busy: boolean;
  /** Refuses new runs and waits (up to `timeoutMs`) for the one in flight. True if it finished in time. */
  close(timeoutMs: number): Promise<boolean>;
}

export function createRunGuard(work: (reason: RunReason, wokeAt?: Date) => Promise<void>, log: Logger): RunGuard {
  let inFlight: Promise<void> | undefined;
  let closed = false;
  return {
    get busy() {
      return inFlight !== undefined;
    },
    async trigger(reason, wokeAt) {
      if (closed) return "skipped";
      if (inFlight) {
        log.info("run skipped", { reason, why: "a run is still in flight" });
        return "skipped";
      }
      inFlight = (async () => {
        try {
          await work(reason, wokeAt);
        } catch (error) {
          log.error("run failed", { reason, error: describeError(error) });
        }
      })().finally(() => {
        inFlight = undefined;
      });
      await inFlight;
      return "ran";
    },
    async close(timeoutMs) {
      closed = true;
      const running = inFlight;
      if (!running) return true;
      return settlesWithin(running, timeoutMs);
    },
  };
}
