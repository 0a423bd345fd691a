import { describe, expect, it } from "vitest";
import { formatHighlighted, searchReleases } from "../../src/match/index.js";
import { makeRelease } from "./make-release.js";

const releases = [
  makeRelease({ title: "Letter to police on AI enabled facial recognition searches", body: ["Searches should double."] }),
  makeRelease({ title: "Action plan to tackle shoplifting launched", body: ["Police will prioritise attending the scene."] }),
  makeRelease({ title: "Home Office to exit first 50 asylum hotels", body: ["The Home Secretary said hotels would close."] }),
];

describe("searchReleases", () => {
  it("returns the matching releases in order, with marked snippets", () => {
    const hits = searchReleases("police OR hotels", releases);
    expect(hits.map((h) => h.release)).toEqual(releases);
    expect(hits.map((h) => formatHighlighted(h.snippet, (s) => `«${s}»`))).toEqual([
      "Letter to «police» on AI enabled facial recognition searches",
      "«Police» will prioritise attending the scene.",
      "Home Office to exit first 50 asylum «hotels»",
    ]);
  });

  it("accepts any iterable", () => {
    function* gen() {
      yield* releases;
    }
    expect(searchReleases("ai", gen()).map((h) => h.release.title)).toEqual([releases[0]?.title]);
  });

  it("finds nothing for a query nobody matches", () => {
    expect(searchReleases('"facial recognition" shoplifting', releases)).toEqual([]);
  });

  it("throws QUERY_INVALID for a bad query even with no releases", () => {
    expect(() => searchReleases("(ai", [])).toThrow(/never closed at character 1/);
  });
});
