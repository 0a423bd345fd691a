import { describe, expect, it } from "vitest";
import { stemWord, tokenize } from "../../src/match/index.js";

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
    expect(tokenize("30,000 hours — £5m & U.K.").map((t) => t.term)).toEqual(["30", "000", "hour", "5m", "u", "k"]);
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
