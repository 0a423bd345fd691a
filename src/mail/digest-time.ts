import cron from "node-cron";
import type { Config } from "../config/schema.js";
import type { Frequency } from "../core/subscription.js";
import { nextFireTime } from "./next-fire-time.js";

/** When digests go out: `schedule.dailyDigest` and `schedule.weeklyDigest`, cron in Europe/London. */
export type DigestSchedule = Pick<Config["schedule"], "dailyDigest" | "weeklyDigest">;

/**
 * When a delivery of this frequency is due: `immediate` now; `daily` and `weekly` the next time
 * their digest expression fires in Europe/London at or after `now`, the same time the scheduler
 * wakes to send it (the default, 08:30 daily and Monday 08:30 weekly). Correct across BST changes
 * because each wall-clock time is converted for the date it falls on.
 */
export function nextDigestTime(frequency: Frequency, now: Date, schedule: DigestSchedule): Date {
  if (frequency === "immediate") return new Date(now);
  return frequency === "daily"
    ? nextFireTime(schedule.dailyDigest, now, "schedule.dailyDigest")
    : nextFireTime(schedule.weeklyDigest, now, "schedule.weeklyDigest");
}

const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"] as const;

/**
 * When a digest goes out, for people: `08:30 London` (daily) or `Monday 08:30 London` (weekly)
 * when its expression fires at one time every day (one weekday for weekly); undefined for any
 * other expression, which words would misstate.
 */
export function describeDigestTime(frequency: "daily" | "weekly", schedule: DigestSchedule): string | undefined {
  let fields: ReturnType<typeof cron.parse>;
  try {
    fields = cron.parse(frequency === "daily" ? schedule.dailyDigest : schedule.weeklyDigest);
  } catch {
    return undefined;
  }
  const [hour, minute, second] = [fields.hour, fields.minute, fields.second].map((v) => (v.length === 1 ? v[0] : undefined));
  const days = fields.dayOfWeek;
  if (hour === undefined || minute === undefined || second !== 0 || fields.dayOfMonth.length !== 31 || fields.month.length !== 12) return undefined;
  const time = `${String(hour).padStart(2, "0")}:${String(minute).padStart(2, "0")} London`;
  if (frequency === "daily") return days.length === 7 ? time : undefined;
  const day = days.length === 1 && typeof days[0] === "number" ? WEEKDAYS[days[0] % 7] : undefined;
  return day === undefined ? undefined : `${day} ${time}`;
}
