import { describe, expect, it } from "vitest";
import { mapFeedEntry } from "../../src/sources/feed-entry.js";

const entry = (id: string, link = "https://www.example.org/news/a") => ({ id, link, title: "A statement", published: "2026-11-27T09:00:00Z", summaryHtml: "<p>Text.</p>" });
const idOf = (id: string, link?: string) => {
  const outcome = mapFeedEntry(entry(id, link), { department: "Example" });
  return "item" in outcome ? { sourceItemId: outcome.item.sourceItemId, version: outcome.item.version } : outcome;
};

describe("feed entry ids", () => {
  it("drop a timestamp fragment (GOV.UK's `<url>#<timestamp>`, on any host), which then marks the version", () => {
    expect(idOf("https://www.gov.uk/government/news/a#2023-10-30T16:55:36+00:00", "https://www.gov.uk/government/news/a")).toEqual({
      sourceItemId: "https://www.gov.uk/government/news/a",
      version: "https://www.gov.uk/government/news/a#2023-10-30T16:55:36+00:00",
    });
    expect(idOf("https://www.example.org/news/a#2023-10-30")).toMatchObject({ sourceItemId: "https://www.example.org/news/a" });
    expect(idOf("https://www.example.org/news/a#2023-10-30T16%3A55%3A36Z")).toMatchObject({ sourceItemId: "https://www.example.org/news/a" });
  });

  it("keep any other fragment, which tells entries of one page apart", () => {
    expect(idOf("https://www.example.org/press#statement-1")).toEqual({ sourceItemId: "https://www.example.org/press#statement-1", version: undefined });
    expect(idOf("https://www.example.org/press#2")).toMatchObject({ sourceItemId: "https://www.example.org/press#2" });
  });
});
