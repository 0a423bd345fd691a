import { describe, expect, it } from "vitest";
import { compileQuery, createTopicMatcher } from "../../src/match/index.js";
import { makeRelease } from "./make-release.js";

/** Whether `query` matches a release whose body is `text`, by search (compiled) and by alerts (topic matcher). */
function matchesBody(query: string, text: string): { search: boolean; alert: boolean } {
  const release = makeRelease({ title: "Home Office announcement", body: [text] });
  return { search: compileQuery(query).matches(release), alert: createTopicMatcher([{ id: "t", query }]).match(release).length > 0 };
}

describe("negation written with a dash autocorrect puts for '-'", () => {
  // Before, only '-' negated: "police –fraud" required fraud, the opposite of what was asked.
  for (const dash of ["-", "\u2013", "\u2014", "\u2212"]) {
    it(`'police ${dash}fraud' leaves out a release about police fraud and keeps one about police`, () => {
      expect(matchesBody(`police ${dash}fraud`, "Police fraud unit expands")).toEqual({ search: false, alert: false });
      expect(matchesBody(`police ${dash}fraud`, "Police recruitment figures")).toEqual({ search: true, alert: true });
    });
  }

  it("a dash between words is still punctuation", () => {
    expect(matchesBody("police \u2013 fraud", "Police fraud unit expands")).toEqual({ search: true, alert: true });
  });
});
