import { describe, expect, it } from "vitest";
import { nextDigestTime } from "../../src/mail/digest-time.js";
import { normaliseQuery, topicId } from "../../src/mail/topic-id.js";

describe("nextDigestTime", () => {
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
    expect(nextDigestTime(frequency, new Date(now)).toISOString()).toBe(expected);
  });

  it("immediate is now", () => {
    const now = new Date("2024-05-05T05:05:05.005Z");
    expect(nextDigestTime("immediate", now).toISOString()).toBe(now.toISOString());
  });
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
