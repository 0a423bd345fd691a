import { describe, expect, it } from "vitest";
import { formatLondonIso, londonOffsetMinutes, offsetByIntl } from "../../src/core/london.js";

const HOUR = 3_600_000;

describe("londonOffsetMinutes", () => {
  it("agrees with the time zone database around every transition from 1900 to 2100", () => {
    let transitions = 0;
    for (let day = Date.UTC(1900, 0, 1); day < Date.UTC(2100, 0, 1); day += 24 * HOUR) {
      if (offsetByIntl(new Date(day)) === offsetByIntl(new Date(day + 24 * HOUR - 1))) continue;
      transitions++;
      for (let h = 0; h <= 24; h++) {
        for (const t of [day + h * HOUR - 1, day + h * HOUR, day + h * HOUR + 1, day + h * HOUR + 30 * 60_000]) {
          expect(londonOffsetMinutes(new Date(t)), new Date(t).toISOString()).toBe(offsetByIntl(new Date(t)));
        }
      }
    }
    expect(transitions).toBeGreaterThan(300); // two a year, and more in the war years
  });

  it("falls back to the database before 1900", () => {
    const at = new Date("1847-12-01T00:00:30Z"); // inside London's last minute of local mean time
    expect(londonOffsetMinutes(at)).toBe(offsetByIntl(at));
  });

  it("formats London wall-clock time with its offset on both sides of a change", () => {
    expect(formatLondonIso(new Date("2024-03-31T00:59:59Z"))).toBe("2024-03-31T00:59:59+00:00");
    expect(formatLondonIso(new Date("2024-03-31T01:00:00Z"))).toBe("2024-03-31T02:00:00+01:00");
    expect(formatLondonIso(new Date("2023-10-29T00:59:59Z"))).toBe("2023-10-29T01:59:59+01:00");
    expect(formatLondonIso(new Date("2023-10-29T01:00:00Z"))).toBe("2023-10-29T01:00:00+00:00");
  });
});
