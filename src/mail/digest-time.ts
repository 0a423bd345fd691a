import type { Frequency } from "../core/subscription.js";
import { addDays, londonDate, londonTime } from "../core/london.js";

/** Digests go out at this London wall-clock time (daily every day, weekly on Mondays). */
export const DIGEST_HOUR = 8;
export const DIGEST_MINUTE = 30;

/** London day of week of a `YYYY-MM-DD` date: 0 = Sunday, 1 = Monday, ... */
function weekday(date: string): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}

/**
 * When a delivery of this frequency is due: `immediate` now; `daily` the next 08:30 Europe/London
 * at or after `now`; `weekly` the next Monday 08:30 London. Correct across BST changes because the
 * wall-clock time is converted for the date it falls on.
 */
export function nextDigestTime(frequency: Frequency, now: Date): Date {
  if (frequency === "immediate") return new Date(now);
  const today = londonDate(now);
  const step = frequency === "daily" ? 1 : 7;
  const ahead = frequency === "daily" ? 0 : (1 - weekday(today) + 7) % 7;
  let candidate = londonTime(addDays(today, ahead), DIGEST_HOUR, DIGEST_MINUTE);
  if (candidate.getTime() < now.getTime()) {
    candidate = londonTime(addDays(today, ahead + step), DIGEST_HOUR, DIGEST_MINUTE);
  }
  return candidate;
}
