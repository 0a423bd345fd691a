import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isPressroomError } from "../../src/core/errors.js";
import { cleanText } from "../../src/core/text.js";
import { parseDump } from "../../src/sources/dump-parse.js";
import { cleanLine } from "../../src/sources/dump-text.js";

const SAMPLE = readFileSync(new URL("../../samples/home-office-2023-10.txt", import.meta.url), "utf8");

/** Pieces of the dump format, so random texts often contain headers, date lines and lists. */
const FRAGMENTS = [
  "  • ", "    • ", "• ", "PRESS RELEASE : ", "SPEECH : ", " [October 2023]", "[", "]", " : ", ":",
  "\n", "\n\n", "\r\n", "\r", "    ", "  ", "\t", "\u00a0", "\ufeff", "\u200b", "\u2028",
  "The press release issued by the Home Office on 30 October 2023.", "The speech made by A, the B, on 5 March 2024.",
  " on 31 February 2024.", " on 1st May 0000.", "Title", "x", "theresamay", "Policing: the [new] approach",
];

const dumpish = fc.array(fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ unit: "binary", maxLength: 12 })), { maxLength: 60 })
  .map((parts) => parts.join(""));

const spliced = fc.tuple(fc.nat(SAMPLE.length), fc.nat(400), fc.oneof(dumpish, fc.string({ unit: "binary" })))
  .map(([at, cut, insert]) => SAMPLE.slice(0, at) + insert + SAMPLE.slice(at + cut));

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Parses and checks every release; returns how many there were (0 when DUMP_EMPTY was thrown). */
function checkParse(text: string): number {
  let result;
  try {
    result = parseDump(text, "random.txt");
  } catch (error) {
    expect(isPressroomError(error, "DUMP_EMPTY")).toBe(true);
    return 0;
  }
  for (const { release, line } of result.releases) {
    expect(release.title.length).toBeGreaterThan(0);
    expect(release.date).toMatch(ISO_DATE);
    expect(new Date(`${release.date}T00:00:00Z`).toISOString().slice(0, 10)).toBe(release.date);
    expect(release.id.startsWith("tag:pressroom.invalid,")).toBe(true);
    expect(Number.isInteger(line) && line >= 1).toBe(true);
    expect(cleanText(release.title)).toBe(release.title);
    expect(cleanText(release.summary)).toBe(release.summary);
    for (const block of release.body) {
      for (const t of block.type === "paragraph" ? [block.text] : block.items) {
        expect(t).not.toBe("");
        expect(cleanText(t)).toBe(t);
      }
    }
  }
  for (const warning of result.warnings) expect(warning).toMatch(/^random\.txt:\d+: /);
  return result.releases.length;
}

describe("parseDump properties", () => {
  it("never throws anything but DUMP_EMPTY on arbitrary strings, and releases are well-formed", () => {
    fc.assert(fc.property(fc.string({ unit: "binary" }), (text) => { checkParse(text); }), { numRuns: 300 });
  });

  it("holds on texts built from dump fragments", () => {
    fc.assert(fc.property(dumpish, (text) => { checkParse(text); }), { numRuns: 500 });
  });

  it("holds on the sample with arbitrary text spliced in, which keeps most of its releases", () => {
    // A splice touches at most a few blocks: the rest still parse.
    fc.assert(fc.property(spliced, (text) => { expect(checkParse(text)).toBeGreaterThanOrEqual(5); }), { numRuns: 150 });
  });

  it("cleanLine gives exactly what cleanText gives", () => {
    const odd = [" ", "  ", "\u00a0", "\u200b", "\u200d", "\u2060", "\t", "\n", "\v", "\f", "\ufeff", "\u3000", "\r", "\u1680", "\u2028", "\u202f", "\u2007", "\u0085", "\u001f", "a", "’"];
    const text = fc.array(fc.oneof(fc.constantFrom(...odd), fc.string({ unit: "binary", maxLength: 5 })), { maxLength: 30 })
      .map((parts) => parts.join(""));
    fc.assert(fc.property(text, (s) => { expect(cleanLine(s)).toBe(cleanText(s)); }), { numRuns: 2000 });
    for (let c = 0; c < 0x10000; c++) {
      const s = `a${String.fromCharCode(c)}b ${String.fromCharCode(c)}`;
      if (cleanLine(s) !== cleanText(s)) expect([c.toString(16), cleanLine(s)]).toEqual([c.toString(16), cleanText(s)]);
    }
  });
});
