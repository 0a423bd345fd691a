import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalText, cleanText, foldText, slugify } from "../../src/core/text.js";

/** The definition slugify's fast path must agree with. */
const slowSlug = (input: string, max = 120) =>
  foldText(input).replace(/['"]/g, "").replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, max).replace(/-+$/g, "") || "untitled";

describe("text normalisation", () => {
  it.each([
    ["Home Secretary’s speech on AI", "home-secretarys-speech-on-ai"],
    ["Policing: the [new] approach", "policing-the-new-approach"],
    ["Café – “quoted”", "cafe-quoted"],
    ["  ", "untitled"],
  ])("slugify(%j) = %j", (input, slug) => {
    expect(slugify(input)).toBe(slug);
  });

  it("slugify's fast path agrees with the full fold on any text", () => {
    const chars = fc.constantFrom(..."aZ09 -_:'\"[]\u00a0\u2013\u2014\u2018\u2019\u201c\u201dé\u00df\u0130\u2212\u200b\t".split(""));
    fc.assert(fc.property(fc.array(chars, { maxLength: 40 }).map((a) => a.join("")), fc.integer({ min: 1, max: 130 }), (s, max) => slugify(s, max) === slowSlug(s, max)), { numRuns: 2000, seed: 1 });
  });

  it("treats other spaces and quotes as the same canonical text", () => {
    expect(canonicalText("It’s\u00a0vital —  “now”")).toBe(`It's vital - "now"`);
    expect(cleanText("\u200ba\u00a0 b ")).toBe("a b");
  });
});
