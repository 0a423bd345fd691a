import { describe, expect, it } from "vitest";
import { parseScrapedDate } from "../../src/sources/html-date.js";

describe("parseScrapedDate", () => {
  it.each([
    ["2023-10-30", { date: "2023-10-30" }],
    ["2023-02-30", undefined],
    ["2024-03-31T23:30:00", { date: "2024-03-31", publishedAt: "2024-03-31T22:30:00.000Z" }], // London wall clock, BST
    ["2024-03-31T23:30:00Z", { date: "2024-04-01", publishedAt: "2024-03-31T23:30:00.000Z" }],
    ["2024-01-15T09:00:00+01:00", { date: "2024-01-15", publishedAt: "2024-01-15T08:00:00.000Z" }],
    ["30 October 2023", { date: "2023-10-30" }],
    ["30 Oct 2023", { date: "2023-10-30" }],
    ["Published: 5 Sept. 2023", { date: "2023-09-05" }],
    ["October 30, 2023", { date: "2023-10-30" }],
    ["Monday 30 October 2023", { date: "2023-10-30" }],
    ["31 February 2023", undefined],
    ["soon", undefined],
  ])("%j → %j", (raw, expected) => {
    expect(parseScrapedDate(raw)).toEqual(expected);
  });
});
