import cron, { type ScheduledTask } from "node-cron";
import type { Config } from "../config/schema.js";
import type { Logger } from "../core/logger.js";
import { LONDON } from "../core/london.js";
import { createRunGuard, type RunReason } from "./run-guard.js";
import { validateSchedule } from "./validate-schedule.js";

/**
 * Digest times are London times whatever zone the poll schedule uses: the zone a delivery's due
 * time is computed in (`nextDigestTime`), so the wake-up and the due time agree.
 */
export const DIGEST_TIME_ZONE = LONDON;

export interface SchedulerOptions {
  readonly schedule: Config["schedule"];
  /**
   * One pass (open the store, run, close). Never called twice at once. `wokeAt`: the time the cron
   * expression fired for this run (its slot, not when the callback got round to it); undefined for
   * the initial run and `trigger`.
   */
  readonly run: (reason: RunReason, wokeAt?: Date) => Promise<void>;
  readonly log: Logger;
  /** Run once straight away (default true). */
  readonly initialRun?: boolean;
}

export interface Scheduler {
  /** Triggers a run now (skipped if one is in flight). */
  trigger(reason: RunReason): Promise<"ran" | "skipped">;
  /** Stops scheduling and waits up to `timeoutMs` for the run in flight; true if it finished. */
  stop(timeoutMs: number): Promise<boolean>;
}

/**
 * Schedules runs with node-cron: the poll schedule plus the daily and weekly digest ticks (a tick is
 * a run, whose outbox flush sends the digests now due). Validates everything first (SCHEDULE_INVALID).
 */
export function startScheduler(options: SchedulerOptions): Scheduler {
  const { schedule, log } = options;
  validateSchedule(schedule);
  const guard = createRunGuard(options.run, log);
  const cronLogger = {
    info: (message: string) => log.debug("cron", { message }),
    warn: (message: string) => log.debug("cron", { message }),
    error: (message: string | Error) => log.warn("cron error", { message: String(message) }),
    debug: () => {},
  };
  const plan: { expression: string; timezone: string; reason: RunReason }[] = [
    { expression: schedule.cron, timezone: schedule.timezone, reason: "schedule" },
    { expression: schedule.dailyDigest, timezone: DIGEST_TIME_ZONE, reason: "daily-digest" },
    { expression: schedule.weeklyDigest, timezone: DIGEST_TIME_ZONE, reason: "weekly-digest" },
  ];
  const tasks: ScheduledTask[] = plan.map(({ expression, timezone, reason }) =>
    cron.schedule(expression, (context) => guard.trigger(reason, context.date), { timezone, noOverlap: true, name: `pressroom-${reason}`, logger: cronLogger }),
  );
  log.info("schedule started", { cron: schedule.cron, timezone: schedule.timezone, dailyDigest: schedule.dailyDigest, weeklyDigest: schedule.weeklyDigest });
  if (options.initialRun ?? true) void guard.trigger("initial");
  return {
    trigger: (reason) => guard.trigger(reason),
    async stop(timeoutMs) {
      for (const task of tasks) {
        await task.stop();
        await task.destroy();
      }
      return guard.close(timeoutMs);
    },
  };
}
