/*
 * Word normalisation that made a topic miss a release the README says it matches (found by a
 * review). Each case is checked on both paths that decide alerts and search: the compiled query
 * (search, live feeds) and the topic matcher (alerts, topic feeds).
 */
import { describe, expect, it } from "vitest";
import { compileQuery, createTopicMatcher } from "../../src/match/index.js";
import { normalizeWord } from "../../src/match/tokenize.js";
import { makeRelease } from "../match/make-release.js";

/** Whether `query` matches a release whose body is `text`, by search (compiled) and by alerts (topic matcher). */
function matchesBody(query: string, text: string): { search: boolean; alert: boolean } {
  const release = makeRelease({ title: "Home Office announcement", body: [text] });
  return {
    search: compileQuery(query).matches(release),
    alert: createTopicMatcher([{ id: "t", query }]).match(release).length > 0,
  };
}
const BOTH = { search: true, alert: true };

describe("stemming: a base word and its -ed/-ing forms meet (README 'Light stemming')", () => {
  // stem.ts strips -ed/-ing once; when the base itself ends in -eed, the base loses its -ed too.
  it("'exceed' matches 'exceeded' and 'exceeding'", () => {
    expect(matchesBody("exceed", "Net migration exceeded forecasts")).toEqual(BOTH);
    expect(matchesBody("exceed", "Net migration is exceeding forecasts")).toEqual(BOTH);
  });

  it("'speeding' matches 'speed' (and 'speed' matches 'speeding')", () => {
    expect(matchesBody("speeding", "New speed cameras on the M25")).toEqual(BOTH);
    expect(matchesBody("speed", "Drivers caught speeding face higher fines")).toEqual(BOTH);
  });

  it("normalizeWord gives one term for a base ending in -eed and its inflections", () => {
    expect(normalizeWord("exceeded")).toBe(normalizeWord("exceed"));
    expect(normalizeWord("speeding")).toBe(normalizeWord("speed"));
    expect(normalizeWord("proceeded")).toBe(normalizeWord("proceed"));
  });

  // stem.ts undoubles a final double consonant except l, s, z: a base ending in -ff is cut.
  it("'staff' matches 'staffing' and 'staffed'", () => {
    expect(matchesBody("staff", "Police staffing levels will rise")).toEqual(BOTH);
    expect(matchesBody("staff", "The new unit is staffed by 40 officers")).toEqual(BOTH);
  });

  it("'handcuffs' matches 'handcuffed'", () => {
    expect(matchesBody("handcuffs", "The suspect was handcuffed at the scene")).toEqual(BOTH);
    expect(normalizeWord("handcuffed")).toBe(normalizeWord("handcuffs"));
  });
});

describe("characters inside a word", () => {
  // A soft hyphen (U+00AD, HTML &shy;) survives cleanText and splits the word in two.
  it("'recognition' matches 'recog&shy;nition' (a soft hyphen is invisible)", () => {
    expect(matchesBody("recognition", "Live facial recog\u00ADnition vans")).toEqual(BOTH);
    expect(matchesBody('"facial recognition"', "Live facial recog\u00ADnition vans")).toEqual(BOTH);
  });

  // README: "Case, accents and curly/straight quotes do not matter". Letters with a stroke and the
  // œ/æ ligatures have no Unicode decomposition, so foldText (NFKD + strip U+0300–U+036F) keeps them.
  it("'Lodz' matches 'Łódź' and 'Orsted' matches 'Ørsted' (accents do not matter)", () => {
    expect(matchesBody("Lodz", "Extradition request from Łódź")).toEqual(BOTH);
    expect(matchesBody("Orsted", "Ørsted wind farm")).toEqual(BOTH);
  });

  it("'manoeuvre' matches 'manœuvre' (ligature, like ﬁ which does match)", () => {
    expect(matchesBody("finance", "ﬁnance")).toEqual(BOTH); // passes: ﬁ decomposes
    expect(matchesBody("manoeuvre", "A vehicle manœuvre")).toEqual(BOTH);
  });

  // README: curly/straight quotes do not matter; U+2018 used as an apostrophe splits the word.
  it("\"O'Neill\" matches 'O‘Neill' (left single quote used as apostrophe)", () => {
    expect(matchesBody("O'Neill", "Statement by Chief Constable O\u2018Neill")).toEqual(BOTH);
  });
});

describe("what stays as it was", () => {
  it("past tenses of -ee verbs still meet their base; words with a doubled consonant still undouble", () => {
    expect(normalizeWord("agreed")).toBe(normalizeWord("agree"));
    expect(normalizeWord("agreeing")).toBe(normalizeWord("agree"));
    expect(normalizeWord("freed")).toBe(normalizeWord("free"));
    expect(normalizeWord("stopped")).toBe(normalizeWord("stop"));
    expect(normalizeWord("called")).toBe(normalizeWord("call"));
  });

  it("an opening single quote is not part of a word", () => {
    expect(matchesBody("\"facial recognition\"", "The minister said \u2018facial recognition\u2019 vans are coming")).toEqual(BOTH);
  });
});
