import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { scanWordsFast } from "../../src/match/scan-words-fast.js";
import { scanWords } from "../../src/match/tokenize.js";

const wordsOf = (scan: (text: string, onWord: (word: string) => void) => void, text: string): string[] => {
  const out: string[] = [];
  scan(text, (word) => out.push(word));
  return out;
};

/** Pieces that sit at the edges of the fast path: ASCII punctuation, apostrophes, commas and digits, marks, astral letters. */
const PIECES = [
  "a", "Z", "police", "AI", "0", "12", "345", "1,234", "30,000", ",", ", ", ",5", "'", "'s", "’", "’s", "ʼ", "-", "–", ".", " ", "  ",
  "\n", "\t", "(", ")", "£", "5m", "é", "e\u0301", "\u0301", "ß", "İ", "日本", "𝐀", "😀", "\u00a0", "_", "#", "\"", "‘", "x'y", "don't",
];

describe("scanWordsFast", () => {
  it.each([
    ["Home Secretary’s speech on AI-generated Café images, 30,000 hours — £5m & U.K."],
    ["1,2 1,2345 1234,567 12,345,67 1,000,0000 30,000, and 1,234,567."],
    ["don't 'quoted' rock'n'roll it’s ʼtwas ''"],
    ["cafe\u0301 re\u0301sume\u0301 \u0301lone 𝐀𝐁 😀x"],
    [""],
  ])("reads the words scanWords reads in %j", (text) => {
    expect(wordsOf(scanWordsFast, text)).toEqual(wordsOf(scanWords, text));
  });

  it("reads the words scanWords reads, for any text made of tricky pieces", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PIECES), { maxLength: 40 }), (pieces) => {
        const text = pieces.join("");
        expect(wordsOf(scanWordsFast, text)).toEqual(wordsOf(scanWords, text));
      }),
      { numRuns: 3000 },
    );
  });

  it("reads the words scanWords reads, for any text at all", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme-composite", maxLength: 60 }), fc.string({ unit: "binary", maxLength: 60 }), (a, b) => {
        for (const text of [a, b, a + b]) expect(wordsOf(scanWordsFast, text)).toEqual(wordsOf(scanWords, text));
      }),
      { numRuns: 2000 },
    );
  });
});
