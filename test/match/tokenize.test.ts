import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { stemWord, tokenize } from "../../src/match/index.js";
import { normalizeWord, scanTokens, scanWords } from "../../src/match/tokenize.js";

describe("tokenize", () => {
  it("gives folded terms with offsets into the original text", () => {
    const text = "Home Secretary’s speech on AI-generated Café images";
    const tokens = tokenize(text);
    expect(tokens.map((t) => t.term)).toEqual(["hom", "secretary", "speech", "on", "ai", "generat", "caf", "imag"]);
    expect(tokens.map((t) => text.slice(t.start, t.end))).toEqual([
      "Home", "Secretary’s", "speech", "on", "AI", "generated", "Café", "images",
    ]);
  });

  it("keeps decomposed accents inside the word and folds them", () => {
    const text = "cafe\u0301 re\u0301sume\u0301";
    expect(tokenize(text).map((t) => [t.term, text.slice(t.start, t.end)])).toEqual([
      ["caf", "cafe\u0301"],
      ["resum", "re\u0301sume\u0301"],
    ]);
  });

  it("splits on punctuation, keeps numbers, drops symbols", () => {
    expect(tokenize("30,000 hours — £5m & U.K.").map((t) => t.term)).toEqual(["30000", "hour", "5m", "u", "k"]);
  });

  it("reads a number with thousands separators as its plain form, with offsets over the whole number", () => {
    const text = "30,000 or 1,234,567, £5,000m and 30000";
    expect(tokenize(text).map((t) => [t.term, text.slice(t.start, t.end)])).toEqual([
      ["30000", "30,000"], ["or", "or"], ["1234567", "1,234,567"], ["5000m", "5,000m"], ["and", "and"], ["30000", "30000"],
    ]);
  });

  it.each([
    ["1,2", ["1", "2"]],
    ["1,2345", ["1", "2345"]],
    ["1234,567", ["1234", "567"]],
    ["12,345,67", ["12", "345", "67"]],
    ["1,000,0000", ["1", "000", "0000"]],
    ["2019,2020", ["2019", "2020"]],
    ["1,234.5", ["1234", "5"]],
    ["a1,000", ["a1", "000"]],
  ])("does not take %j for a thousands number", (text, terms) => {
    expect(tokenize(text).map((t) => t.term)).toEqual(terms);
  });

  it("returns nothing for text without words", () => {
    expect(tokenize(" — & ! ")).toEqual([]);
  });
});

describe("stemWord", () => {
  it.each([
    ["searches", "search"], ["searching", "search"], ["searched", "search"], ["search", "search"],
    ["policies", "policy"], ["policy", "policy"], ["police", "polic"], ["policing", "polic"], ["policed", "polic"],
    ["hotels", "hotel"], ["classes", "class"], ["boxes", "box"], ["speeches", "speech"],
    ["business", "business"], ["status", "status"], ["crisis", "crisis"], ["news", "news"],
    ["stopped", "stop"], ["called", "call"], ["applied", "apply"], ["agreed", "agre"], ["agree", "agre"],
    ["ai", "ai"], ["gas", "gas"], ["1990s", "1990s"],
  ])("%s → %s", (word, stem) => {
    expect(stemWord(word)).toBe(stem);
  });
});

describe("scanWords and scanTokens read the same words", () => {
  it("gives, word by word, what the tokens are made of (thousands numbers, apostrophes, marks, empty terms)", () => {
    const pieces = ["30,000", "1,234,567", "1,2", "12,345,67", "£5,000m", "Secretary’s", "don't", "Café", "naïve", "’", "a", "AI-generated", " ", ", ", "\n", "x1"];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 20 }), (parts) => {
        const text = parts.join("");
        const fromWords: { term: string; start: number; end: number }[] = [];
        scanWords(text, (word, start) => {
          const term = normalizeWord(word);
          if (term !== "") fromWords.push({ term, start, end: start + word.length });
        });
        const fromTokens: { term: string; start: number; end: number }[] = [];
        scanTokens(text, (term, start, end) => fromTokens.push({ term, start, end }));
        expect(fromWords).toEqual(fromTokens);
        expect(fromTokens).toEqual(tokenize(text).map((t) => ({ ...t })));
      }),
      { numRuns: 300 },
    );
    expect(tokenize("30,000 hours").map((t) => t.term)).toEqual(["30000", "hour"]);
  });
});
