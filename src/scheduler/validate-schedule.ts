import cron from "node-cron";
import type { Config } from "../config/schema.js";
import { PressroomError } from "../core/errors.js";

/** Throws SCHEDULE_INVALID unless `timeZone` is an IANA zone this Node knows (node-cron 4 would accept it and fail later). */
export function validateTimeZone(timeZone: string, field = "schedule.timezone"): void {
  try {
    if (timeZone.trim() === "") throw new RangeError("empty");
    new Intl.DateTimeFormat("en", { timeZone });
  } catch {
    throw new PressroomError("SCHEDULE_INVALID", `${field} "${timeZone}" is not a known time zone; use an IANA name such as Europe/London or UTC`);
  }
}

/** Throws SCHEDULE_INVALID naming the field and what node-cron found wrong. */
export function validateCron(expression: string, field: string): void {
  if (cron.validate(expression)) return;
  const detail = cron.validateDetailed(expression).errors.map((e) => e.message).join("; ");
  throw new PressroomError(
    "SCHEDULE_INVALID",
    `${field} "${expression}" is not a valid cron expression${detail ? ` (${detail})` : ""}; use 5 fields (minute hour day month weekday), e.g. "*/15 * * * *", or 6 with seconds first`,
  );
}

/** Checks the digest expressions: every run that queues a digest computes its due time from them. */
export function validateDigestSchedule(schedule: Pick<Config["schedule"], "dailyDigest" | "weeklyDigest">): void {
  validateCron(schedule.dailyDigest, "schedule.dailyDigest");
  validateCron(schedule.weeklyDigest, "schedule.weeklyDigest");
}

/** Checks every expression and the time zone of `config.schedule` before anything is scheduled. */
export function validateSchedule(schedule: Config["schedule"]): void {
  validateTimeZone(schedule.timezone);
  validateCron(schedule.cron, "schedule.cron");
  validateDigestSchedule(schedule);
}
