import cron from "node-cron";
import { PressroomError } from "../core/errors.js";
import { LONDON, addDays, londonDate, londonOffsetMinutes } from "../core/london.js";

/** How far ahead a fire time is looked for: 28 years covers every weekday of every date, 29 February too. */
const SEARCH_DAYS = 366 * 28;

/**
 * The UTC instant at which London's clock shows the wall-clock time `wall` (a UTC-based count of
 * its fields), as node-cron fires it: London is UTC+1 or UTC+0, so one of two; in autumn's repeated
 * hour the second (GMT), the only one node-cron's timer wakes at; none in spring's skipped hour.
 */
function londonInstant(wall: number): number | undefined {
  return [wall, wall - 3_600_000].find((t) => londonOffsetMinutes(new Date(t)) * 60_000 === wall - t);
}

/**
 * The first instant at or after `from` at which node-cron fires `expression` in Europe/London.
 * node-cron 4 computes next runs only from the real current time (`getNextRuns`), not from a given
 * instant, so the walk is ours: London dates from `from`'s, each expression time of day in order.
 * Whether a date matches (day of month, month, weekday, `L`, `#`, `W`) is node-cron's own
 * `match`, so the due time and the scheduler's wake-up agree. Throws SCHEDULE_INVALID.
 */
export function nextFireTime(expression: string, from: Date, field = "schedule"): Date {
  let fields: ReturnType<typeof cron.parse>;
  try {
    fields = cron.parse(expression);
  } catch (error) {
    throw new PressroomError("SCHEDULE_INVALID", `${field} "${expression}" is not a valid cron expression (${(error as Error).message}); use 5 fields (minute hour day month weekday), e.g. "30 8 * * *"`);
  }
  const ascending = (values: readonly number[]) => [...values].sort((a, b) => a - b);
  const times: number[] = [];
  for (const h of ascending(fields.hour)) for (const m of ascending(fields.minute)) for (const s of ascending(fields.second)) times.push(((h * 60 + m) * 60 + s) * 1000);
  const task = cron.createTask(expression, () => {}, { timezone: LONDON });
  try {
    const first = londonDate(from);
    for (let day = 0; day < SEARCH_DAYS; day++) {
      const midnight = Date.parse(`${addDays(first, day)}T00:00:00Z`);
      let dayMatches: boolean | undefined;
      for (const time of times) {
        const instant = londonInstant(midnight + time);
        if (instant === undefined) continue;
        // Every time of day tried is one the expression allows: the first that exists decides the date.
        dayMatches ??= task.match(new Date(instant));
        if (!dayMatches) break;
        if (instant >= from.getTime()) return new Date(instant);
      }
    }
  } finally {
    void task.destroy();
  }
  throw new PressroomError("SCHEDULE_INVALID", `${field} "${expression}" never fires in the next ${SEARCH_DAYS / 366} years; pick days that exist`);
}
