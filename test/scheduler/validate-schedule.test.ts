import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { isPressroomError } from "../../src/core/errors.js";
import { validateCron, validateSchedule, validateTimeZone } from "../../src/scheduler/index.js";

const schedule = (over: Record<string, string>) => parseConfig({ schedule: over }).schedule;
const errorOf = (work: () => void) => {
  try {
    work();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
};

describe("validateSchedule", () => {
  it("accepts the defaults and seconds-precision expressions", () => {
    expect(() => validateSchedule(schedule({}))).not.toThrow();
    expect(() => validateSchedule(schedule({ cron: "*/2 * * * * *", timezone: "UTC" }))).not.toThrow();
  });

  it.each([
    [{ timezone: "Mars/Olympus_Mons" }, /schedule\.timezone "Mars\/Olympus_Mons" is not a known time zone/],
    [{ timezone: "" }, /schedule\.timezone "" is not a known time zone/],
    [{ timezone: "Europe/Londn" }, /Europe\/Londn/],
    [{ cron: "every 15 minutes" }, /schedule\.cron "every 15 minutes" is not a valid cron expression/],
    [{ cron: "61 * * * *" }, /schedule\.cron "61 \* \* \* \*"/],
    [{ cron: "* * * * * * *" }, /schedule\.cron/],
    [{ dailyDigest: "30 25 * * *" }, /schedule\.dailyDigest "30 25 \* \* \*"/],
    [{ weeklyDigest: "30 8 * * 9" }, /schedule\.weeklyDigest/],
  ])("rejects %j with SCHEDULE_INVALID", (over, message) => {
    const error = errorOf(() => validateSchedule(schedule(over)));
    expect(isPressroomError(error, "SCHEDULE_INVALID")).toBe(true);
    expect((error as Error).message).toMatch(message);
  });

  it("checks single values", () => {
    expect(() => validateTimeZone("Europe/London")).not.toThrow();
    expect(() => validateCron("30 8 * * 1", "x")).not.toThrow();
    expect(() => validateCron("", "x")).toThrow(/x "" is not a valid cron/);
  });
});
