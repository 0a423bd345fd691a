import cron from "node-cron";
import { describe, expect, it } from "vitest";
import { DEFAULT_DIGEST_SCHEDULE } from "../../src/config/schema.js";
import { PressroomError } from "../../src/core/errors.js";
import { describeDigestTime, nextDigestTime } from "../../src/mail/digest-time.js";
import { nextFireTime } from "../../src/mail/next-fire-time.js";
import { normaliseQuery, topicId } from "../../src/mail/topic-id.js";

describe("nextDigestTime", () => {
  // The default schedule: daily 08:30 London, weekly Monday 08:30 London.
  it.each([
    // GMT (winter): 08:30 London = 08:30 UTC
    ["daily", "2024-01-10T07:00:00Z", "2024-01-10T08:30:00.000Z"],
    ["daily", "2024-01-10T08:30:00Z", "2024-01-10T08:30:00.000Z"],
    ["daily", "2024-01-10T08:31:00Z", "2024-01-11T08:30:00.000Z"],
    // BST (summer): 08:30 London = 07:30 UTC
    ["daily", "2024-07-10T07:00:00Z", "2024-07-10T07:30:00.000Z"],
    ["daily", "2024-07-10T08:00:00Z", "2024-07-11T07:30:00.000Z"],
    // late evening UTC that is already the next London day in summer
    ["daily", "2024-07-10T23:30:00Z", "2024-07-11T07:30:00.000Z"],
    // across the spring change (clocks go forward 31 March 2024 01:00 UTC)
    ["daily", "2024-03-30T09:00:00Z", "2024-03-31T07:30:00.000Z"],
    // across the autumn change (clocks go back 27 October 2024 01:00 UTC)
    ["daily", "2024-10-26T08:00:00Z", "2024-10-27T08:30:00.000Z"],
    // weekly: next Monday 08:30 London. 2024-01-10 is a Wednesday
    ["weekly", "2024-01-10T12:00:00Z", "2024-01-15T08:30:00.000Z"],
    ["weekly", "2024-01-15T08:00:00Z", "2024-01-15T08:30:00.000Z"],
    ["weekly", "2024-01-15T09:00:00Z", "2024-01-22T08:30:00.000Z"],
    // Sunday 24 March 2024 (GMT) to Monday 1 April 2024 (BST)
    ["weekly", "2024-03-25T10:00:00Z", "2024-04-01T07:30:00.000Z"],
    // Sunday night UTC in summer is Monday morning in London
    ["weekly", "2024-07-14T23:30:00Z", "2024-07-15T07:30:00.000Z"],
  ] as const)("%s from %s is %s", (frequency, now, expected) => {
    expect(nextDigestTime(frequency, new Date(now), DEFAULT_DIGEST_SCHEDULE).toISOString()).toBe(expected);
  });

  const custom = { dailyDigest: "0 18 * * *", weeklyDigest: "0 17 * * FRI" };
  it.each([
    // daily 18:00 London: the same day when planned before it (GMT, then BST)
    ["daily", "2024-01-10T10:00:00Z", "2024-01-10T18:00:00.000Z"],
    ["daily", "2024-07-10T10:00:00Z", "2024-07-10T17:00:00.000Z"],
    ["daily", "2024-07-10T17:00:00Z", "2024-07-10T17:00:00.000Z"],
    ["daily", "2024-07-10T17:00:01Z", "2024-07-11T17:00:00.000Z"],
    // Saturday evening GMT to Sunday evening BST (clocks go forward 31 March 2024)
    ["daily", "2024-03-30T18:30:00Z", "2024-03-31T17:00:00.000Z"],
    // Saturday evening BST to Sunday evening GMT (clocks go back 27 October 2024)
    ["daily", "2024-10-26T17:30:00Z", "2024-10-27T18:00:00.000Z"],
    // weekly Friday 17:00 London; 2024-01-10 is a Wednesday
    ["weekly", "2024-01-10T12:00:00Z", "2024-01-12T17:00:00.000Z"],
    ["weekly", "2024-01-12T16:59:00Z", "2024-01-12T17:00:00.000Z"],
    ["weekly", "2024-03-29T17:30:00Z", "2024-04-05T16:00:00.000Z"],
    ["weekly", "2024-10-25T16:30:00Z", "2024-11-01T17:00:00.000Z"],
  ] as const)("with %s at 18:00 / Friday 17:00, from %s is %s", (frequency, now, expected) => {
    expect(nextDigestTime(frequency, new Date(now), custom).toISOString()).toBe(expected);
  });

  it("immediate is now", () => {
    const now = new Date("2024-05-05T05:05:05.005Z");
    expect(nextDigestTime("immediate", now, DEFAULT_DIGEST_SCHEDULE).toISOString()).toBe(now.toISOString());
  });

  it("names the field of an expression that is not cron", () => {
    const error = (() => {
      try {
        nextDigestTime("weekly", new Date(), { ...DEFAULT_DIGEST_SCHEDULE, weeklyDigest: "30 8 * * 9" });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(PressroomError);
    expect(error).toMatchObject({ code: "SCHEDULE_INVALID", message: expect.stringMatching(/^schedule\.weeklyDigest "30 8 \* \* 9" is not a valid cron expression/) });
  });
});

describe("nextFireTime", () => {
  it.each([
    // 01:30 does not exist on 31 March 2024 in London (01:00 GMT is 02:00 BST): the next is 1 April
    ["30 1 * * *", "2024-03-30T12:00:00Z", "2024-04-01T00:30:00.000Z"],
    // 01:30 happens twice on 27 October 2024, at 00:30 UTC (BST) and 01:30 UTC (GMT): node-cron's
    // timer wakes at the second only, so that is when the digest is due
    ["30 1 * * *", "2024-10-26T12:00:00Z", "2024-10-27T01:30:00.000Z"],
    ["30 1 * * *", "2024-10-27T00:30:01Z", "2024-10-27T01:30:00.000Z"],
    // seconds first (6 fields), names, ranges, steps, nicknames
    ["15 0 18 * * *", "2024-01-10T18:00:00Z", "2024-01-10T18:00:15.000Z"],
    ["0 9 * * MON-FRI", "2024-01-12T10:00:00Z", "2024-01-15T09:00:00.000Z"],
    ["*/20 9-10 * * *", "2024-07-10T08:41:00Z", "2024-07-10T09:00:00.000Z"],
    ["@weekly", "2024-01-10T12:00:00Z", "2024-01-14T00:00:00.000Z"],
    // node-cron's day tokens: last day of the month, second Monday
    ["0 9 L * *", "2024-02-10T12:00:00Z", "2024-02-29T09:00:00.000Z"],
    ["0 9 * * 1#2", "2024-03-12T12:00:00Z", "2024-04-08T08:00:00.000Z"],
  ])("%s from %s is %s", (expression, from, expected) => {
    expect(nextFireTime(expression, new Date(from)).toISOString()).toBe(expected);
  });

  // The instant node-cron's runner arms its timer for (Runner.start: timeMatcher.getNextMatch), from
  // before either clock change: the daemon wakes exactly when the digest is due. (Armed from inside
  // the repeated hour itself node-cron skips to the next day, but the daemon's timer is armed from
  // its previous wake, a day earlier.)
  it.each([
    ["30 1 * * *", "2025-10-26T00:00:00Z"],
    ["30 1 * * *", "2025-10-25T01:30:00Z"],
    ["15 1 * * 0", "2025-10-20T12:00:00Z"],
    ["30 1 * * *", "2025-03-29T23:00:00Z"],
    ["0 2 * * *", "2025-03-30T00:30:00Z"],
    ["30 8 * * 1", "2025-10-25T22:00:00Z"],
  ])("%s from %s is when node-cron's timer wakes", (expression, from) => {
    const task = cron.createTask(expression, () => {}, { timezone: "Europe/London" }) as unknown as { timeMatcher: { getNextMatch(d: Date): Date }; destroy(): unknown };
    try {
      expect(nextFireTime(expression, new Date(from)).toISOString()).toBe(task.timeMatcher.getNextMatch(new Date(from)).toISOString());
    } finally {
      void task.destroy();
    }
  });

  it.each(["30 8 * * *", "30 8 * * 1", "0 18 * * *", "0 17 * * FRI", "30 1 * * 0", "0 9 L * *", "0 9 * * 1#2", "5 4 29 2 *"])(
    "agrees with node-cron's own next run of %s from the real time",
    (expression) => {
      const task = cron.createTask(expression, () => {}, { timezone: "Europe/London" });
      try {
        const now = new Date();
        const [theirs] = task.getNextRuns(1);
        expect(nextFireTime(expression, now).toISOString()).toBe(theirs!.toISOString());
      } finally {
        void task.destroy();
      }
    },
  );
});

describe("topicId", () => {
  it("is stable over case, accents and spacing, and differs between queries", () => {
    expect(topicId("Facial  Recognition")).toBe(topicId(" facial recognition "));
    expect(topicId("café")).toBe(topicId("CAFE"));
    expect(topicId("facial recognition")).not.toBe(topicId("facial"));
    expect(topicId("x")).toMatch(/^[0-9a-f]{12}$/);
    expect(normaliseQuery("  A  “B”  ")).toBe('a "b"');
  });
});

describe("describeDigestTime", () => {
  it.each([
    ["daily", "30 8 * * *", "08:30 London"],
    ["daily", "0 18 * * *", "18:00 London"],
    ["weekly", "30 8 * * 1", "Monday 08:30 London"],
    ["weekly", "0 17 * * FRI", "Friday 17:00 London"],
    ["weekly", "0 9 * * 7", "Sunday 09:00 London"],
    // no one time to name: left to the caller to say nothing
    ["daily", "0 8,18 * * *", undefined],
    ["daily", "0 8 * * 1-5", undefined],
    ["weekly", "0 9 * * 1#2", undefined],
    ["weekly", "30 0 9 * * 1", undefined],
    ["daily", "not cron", undefined],
  ] as const)("%s %s is %s", (frequency, expression, expected) => {
    const schedule = { ...DEFAULT_DIGEST_SCHEDULE, [frequency === "daily" ? "dailyDigest" : "weeklyDigest"]: expression };
    expect(describeDigestTime(frequency, schedule)).toBe(expected);
  });
});
