import { describe, expect, it } from "vitest";
import {
  archiveFeedName,
  archiveMonthOf,
  feedFileFor,
  feedIdFor,
  feedUrlFor,
  kindFeedName,
  kindLabel,
  planFeeds,
  topicFeedName,
} from "../../src/feeds/index.js";

describe("feed names", () => {
  it.each([
    ["all", "all.atom", "tag:pressroom.invalid,2023:feeds/all"],
    [kindFeedName("press-release"), "kinds/press-release.atom", "tag:pressroom.invalid,2023:feeds/kinds/press-release"],
    [kindFeedName("News Story"), "kinds/news-story.atom", "tag:pressroom.invalid,2023:feeds/kinds/news-story"],
    [topicFeedName("small_boats"), "topics/small_boats.atom", "tag:pressroom.invalid,2023:feeds/topics/small_boats"],
    [archiveFeedName("2023-10"), "archive/2023-10.atom", "tag:pressroom.invalid,2023:feeds/archive/2023-10"],
  ])("%s → %s", (name, file, id) => {
    expect(feedFileFor(name)).toBe(file);
    expect(feedIdFor(name)).toBe(id);
    expect(feedUrlFor("https://feeds.example/pressroom/", name)).toBe(`https://feeds.example/pressroom/feeds/${file}`);
  });

  it.each([
    ["press-release", "Press release"],
    ["speech", "Speech"],
    ["news-story", "News story"],
    ["<b>Odd</b> kind", "B odd b kind"],
  ])("kindLabel(%s) = %s", (kind, label) => {
    expect(kindLabel(kind)).toBe(label);
  });

  it("rejects a malformed archive month", () => {
    expect(() => archiveFeedName("2023-13")).toThrow(/YYYY-MM/);
    expect(archiveMonthOf({ date: "2023-10-30" })).toBe("2023-10");
  });
});

describe("planFeeds", () => {
  it("plans nothing when nothing changed", () => {
    expect(planFeeds([])).toEqual({ names: [], kinds: [], months: [] });
  });

  it("plans all, the kinds touched and the archive months touched", () => {
    const plan = planFeeds([
      { kind: "speech", date: "2023-10-30" },
      { kind: "press-release", date: "2023-10-02" },
      { kind: "speech", date: "2023-08-01" },
    ]);
    expect(plan).toEqual({
      names: ["all", "kinds/press-release", "kinds/speech", "archive/2023-08", "archive/2023-10"],
      kinds: ["press-release", "speech"],
      months: ["2023-08", "2023-10"],
    });
  });

  it("also redoes the neighbours of a new archive month, whose links change", () => {
    const plan = planFeeds([{ kind: "speech", date: "2023-09-15" }], { existingMonths: ["2023-07", "2023-08", "2023-11"] });
    expect(plan.months).toEqual(["2023-08", "2023-09", "2023-11"]);
    const known = planFeeds([{ kind: "speech", date: "2023-08-15" }], { existingMonths: ["2023-07", "2023-08", "2023-11"] });
    expect(known.months).toEqual(["2023-08"]);
  });

  it("skips a malformed date instead of throwing", () => {
    expect(planFeeds([{ kind: "speech", date: "unknown" }]).names).toEqual(["all", "kinds/speech"]);
  });
});
