import { describe, expect, it } from "vitest";
import { classifyFailure, countFailures, sendRate } from "../../src/mail/failure-class.js";

describe("failure classes", () => {
  it.each([
    ["smtp: recipient rejected: 550 5.1.1 mailbox unavailable", "rejected-recipient"],
    ["smtp: EENVELOPE 550 5.1.1 mailbox unavailable", "rejected-recipient"],
    ["smtp: EMESSAGE 554 5.7.1 message refused", "refused-5xx"],
    ["gave up after 12 attempts: smtp: 451 4.3.0 temporary failure", "gave-up-after-retries"],
    ["cannot compose: no deliveries", "cannot-compose"],
    [undefined, "other"],
  ] as const)("%s → %s", (error, expected) => {
    expect(classifyFailure(error)).toBe(expected);
  });

  it("counts every class and computes the send rate of a run", () => {
    expect(countFailures([{ lastError: "gave up after 2 attempts: x" }, {}])).toEqual({ "rejected-recipient": 0, "refused-5xx": 0, "gave-up-after-retries": 1, "cannot-compose": 0, other: 1 });
    expect(sendRate({ durationMs: 2_000, deliveries: { sent: 500 } })).toBe(250);
    expect(sendRate(undefined)).toBe(0);
  });
});
