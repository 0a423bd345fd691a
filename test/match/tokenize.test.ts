import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { stemWord, tokenize } from "../../src/match/index.js";
import { isPlainSeparator, normalizeWord, scanTokens, scanWords, scanWordsByRegExp } from "../../src/match/tokenize.js";

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

describe("the word scanner reads what the regular expression reads", () => {
  const byRegExp = (text: string) => {
    const out: { word: string; start: number }[] = [];
    scanWordsByRegExp(text, (word, start) => out.push({ word, start }));
    return out;
  };
  const byScanner = (text: string) => {
    const out: { word: string; start: number }[] = [];
    scanWords(text, (word, start) => out.push({ word, start }));
    return out;
  };
  const tokensOf = (text: string) => {
    const out: { term: string; start: number; end: number }[] = [];
    scanTokens(text, (term, start, end) => out.push({ term, start, end }));
    return out;
  };
  const expectedTokens = (text: string) =>
    byRegExp(text)
      .map(({ word, start }) => ({ term: normalizeWord(word), start, end: start + word.length }))
      .filter((t) => t.term !== "");

  // ASCII letters, digits and punctuation, every apostrophe, thousands commas, accents (precomposed
  // and combining), letters and digits of other scripts (one astral), the separators the fast path
  // reads past itself, and other characters beyond ASCII that are no word (emoji, a math sign).
  const alphabet = [
    "a", "Z", "e", "s", "0", "1", "5", " ", ",", ".", "-", "'", "'", "\u2019", "\u02BC", "\u2018", "\u201C", "\u201D",
    "\u2013", "\u2014", "\u00A0", "\u00A3", "\u20AC", "\u2026", "\u2022", "\u0301", "\u00E9", "\u00EF", "\u0663",
    "\u4E2D", "\u{1D400}", "\u{1F600}", "\u00D7", "\n", "_", "\u00B2",
  ];
  const pieces = ["30,000", "1,234,567", "1,2", "12,345,67", "000", "don't", "Secretary\u2019s", "rock'n'roll", "1990s", "AI", "caf\u00E9"];

  it("on random text of ASCII, apostrophes, digits, thousands, accents and other scripts", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom(...alphabet), fc.constantFrom(...pieces)), { maxLength: 40 }), (parts) => {
        const text = parts.join("");
        expect(byScanner(text)).toEqual(byRegExp(text));
        expect(tokensOf(text)).toEqual(expectedTokens(text));
      }),
      { numRuns: 3000 },
    );
  });

  // The matcher's own fast scanner (scan-words-fast.ts, folded into this one) was tested on these.
  it.each([
    ["Home Secretary’s speech on AI-generated Café images, 30,000 hours — £5m & U.K."],
    ["1,2 1,2345 1234,567 12,345,67 1,000,0000 30,000, and 1,234,567."],
    ["don't 'quoted' rock'n'roll it’s ʼtwas ''"],
    ["cafe\u0301 re\u0301sume\u0301 \u0301lone 𝐀𝐁 😀x"],
    [""],
  ])("in %j", (text) => {
    expect(byScanner(text)).toEqual(byRegExp(text));
  });

  it("on text made of the pieces at the edges of a plain word (punctuation, apostrophes, commas and digits, marks, astral letters)", () => {
    const edges = [
      "a", "Z", "police", "AI", "0", "12", "345", "1,234", "30,000", ",", ", ", ",5", "'", "'s", "’", "’s", "ʼ", "-", "–", ".", " ", "  ",
      "\n", "\t", "(", ")", "£", "5m", "é", "e\u0301", "\u0301", "ß", "İ", "日本", "𝐀", "😀", "\u00a0", "_", "#", "\"", "‘", "x'y", "don't",
    ];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...edges), { maxLength: 40 }), (parts) => {
        const text = parts.join("");
        expect(byScanner(text)).toEqual(byRegExp(text));
      }),
      { numRuns: 3000 },
    );
  });

  it("on random Unicode text", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme-composite", maxLength: 60 }), fc.string({ maxLength: 30 }), (a, b) => {
        const text = a + b + a;
        expect(byScanner(text)).toEqual(byRegExp(text));
        expect(tokensOf(text)).toEqual(expectedTokens(text));
      }),
      { numRuns: 2000 },
    );
  });

  it("on every character of the Basic Multilingual Plane next to ASCII words", () => {
    for (let c = 0x80; c < 0x10000; c++) {
      const ch = String.fromCharCode(c);
      for (const text of [`ab${ch}cd`, `ab'${ch}c`, `1${ch}2,000 x`, `${ch}ab`, `x ${ch}`]) {
        const scanned = byScanner(text);
        const expected = byRegExp(text);
        if (JSON.stringify(scanned) !== JSON.stringify(expected)) expect({ c: c.toString(16), text, scanned }).toEqual({ c: c.toString(16), text, scanned: expected });
      }
    }
  });

  it("reads past the plain separators only: none is a letter, digit, mark or apostrophe", () => {
    const separators = [];
    for (let c = 0x80; c < 0x10000; c++) if (isPlainSeparator(c)) separators.push(c);
    expect(separators.length).toBeGreaterThan(5);
    for (const c of separators) expect(/[\p{L}\p{N}\p{M}'\u2019\u02BC]/u.test(String.fromCharCode(c))).toBe(false);
  });

  it("reads release-like text word by word", () => {
    const text = "The Home Secretary\u2019s plan \u2014 \u00A330,000m for 1,200 officers (don't \u201Cwait\u201D) \u2026 caf\u00E9 e\u0301t\u00E9 1,2345 naïve";
    expect(byScanner(text)).toEqual(byRegExp(text));
    expect(byScanner(text).map((w) => w.word)).toEqual([
      "The", "Home", "Secretary\u2019s", "plan", "30,000m", "for", "1,200", "officers", "don't", "wait", "caf\u00E9", "e\u0301t\u00E9", "1", "2345", "naïve",
    ]);
  });
});
