import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalText, cleanText, escapeXml, foldText, needsCleaning, slugify, stripXmlInvalid } from "../../src/core/text.js";

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

describe("text fast paths give what the full normalisation gives", () => {
  // The definitions before the fast paths: a stored release's hash depends on them, so any
  // difference would turn every stored release into an edit.
  const slowClean = (s: string) => s.replace(/[\u200B-\u200D\u2060\uFEFF]/g, "").replace(/[\u00A0\u2007\u202F\u2000-\u200A\u205F\u3000]/g, " ").replace(/\s+/g, " ").trim();
  const slowCanonical = (s: string) => slowClean(s).replace(/[\u2018\u2019\u201A\u201B\u2032\u02BC]/g, "'").replace(/[\u201C\u201D\u201E\u201F\u2033\u00AB\u00BB]/g, '"').replace(/[\u2010-\u2015\u2212]/g, "-").normalize("NFC");
  const slowEscape = (s: string) => stripXmlInvalid(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  const texts = fc.oneof(
    fc.string({ unit: "binary", maxLength: 60 }),
    fc.string({ unit: fc.constantFrom(..."ab  \t\n\u00a0\u200b\ufeff\u2019\u201c–e\u0301'&<>\"\ud800\udc00".split("")), maxLength: 40 }),
  );
  it("for cleanText, canonicalText and escapeXml", () => {
    fc.assert(
      fc.property(texts, (s) => {
        expect(cleanText(s)).toBe(slowClean(s));
        expect(canonicalText(s)).toBe(slowCanonical(s));
        expect(escapeXml(s)).toBe(slowEscape(s));
      }),
      { numRuns: 3000, seed: 20261202 },
    );
  });
});

describe("needsCleaning", () => {
  // The expression it stands in for: whitespace other than a plain space, two spaces, a zero-width mark.
  const reference = /[^\S ]| {2}|[\u200B-\u200D\u2060\uFEFF]/;

  it("agrees with the reference expression on every UTF-16 code unit, alone, between letters and beside a space", () => {
    const disagree: number[] = [];
    for (let c = 0; c <= 0xffff; c++) {
      const ch = String.fromCharCode(c);
      for (const text of [ch, `a${ch}b`, ` ${ch}`]) if (needsCleaning(text) !== reference.test(text)) disagree.push(c);
    }
    expect(disagree).toEqual([]);
  });

  it("agrees with the reference expression on arbitrary text", () => {
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom("a", " ", "\t", "\n", "\u00a0", "\u200b", "\u2060", "\ufeff", "\u3000", "\u2028", "\u180e", "\u200e", "’") }), (text) => needsCleaning(text) === reference.test(text)), { numRuns: 2000 });
  });
});
