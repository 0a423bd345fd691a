import { describe, expect, it } from "vitest";
import { foldText } from "../../src/core/text.js";
import { compileQuery, createTopicMatcher, QuerySyntaxError } from "../../src/match/index.js";
import { makeRelease } from "./make-release.js";

/** Whether `query` matches a release whose body is `text`, by search (compiled) and by alerts (topic matcher). */
function matchesBody(query: string, text: string): { search: boolean; alert: boolean } {
  const release = makeRelease({ title: "Home Office announcement", body: [text] });
  return { search: compileQuery(query).matches(release), alert: createTopicMatcher([{ id: "t", query }]).match(release).length > 0 };
}

const both = (value: boolean) => ({ search: value, alert: value });

/** Every BMP character that `foldText` turns into `target` (queries spelled with them share a topic id). */
function charsFoldingTo(target: string): string[] {
  const out: string[] = [];
  for (let c = 0x20; c < 0x10000; c++) {
    if (c >= 0xd800 && c <= 0xdfff) continue;
    if (foldText(String.fromCharCode(c)) === target) out.push(String.fromCharCode(c));
  }
  return out;
}

/** `open`facial recognition`close` is the phrase: not the two words apart. */
function expectPhrase(open: string, close: string): void {
  const query = `${open}facial recognition${close}`;
  expect([open, matchesBody(query, "recognition of facial features")]).toEqual([open, both(false)]);
  expect([open, matchesBody(query, "facial recognition vans")]).toEqual([open, both(true)]);
}

describe("a phrase in single quotes, as word processors and phones write it", () => {
  // Before, ‘facial recognition’ was the two words anywhere: it matched "recognition of facial features".
  it.each([
    ["\u2018facial recognition\u2019", "AI enabled facial recognition searches", true],
    ["\u2018facial recognition\u2019", "facial-recognition vans", true],
    ["\u2018facial recognition\u2019", "recognition of facial features", false],
    // straight single quotes fold to the same topic id, so they mean the same
    ["'facial recognition'", "AI enabled facial recognition searches", true],
    ["'facial recognition'", "recognition of facial features", false],
    // negated, scoped to a field, grouped
    ["police -\u2018money laundering\u2019", "police money laundering", false],
    ["police -\u2018money laundering\u2019", "police laundering money", true],
    ["police \u2013\u2018money laundering\u2019", "police money laundering", false],
    ["body:\u2018facial recognition\u2019", "facial recognition", true],
    ["body:\u2018facial recognition\u2019", "recognition of facial features", false],
    ["(\u2018facial recognition\u2019 OR asylum) vans", "recognition of facial features from vans", false],
    ["(\u2018facial recognition\u2019 OR asylum) vans", "facial recognition vans", true],
    ["\u2018small boats\u2019 \u2018facial recognition\u2019", "small boats and facial recognition", true],
    ["\u2018small boats\u2019 \u2018facial recognition\u2019", "small boats and recognition", false],
    // an apostrophe inside the phrase stays one; a closing quote ends a token
    ["\u2018Home Office\u2019s plans\u2019", "the Home Office's plans for asylum", true],
    ["\u2018Home Office\u2019s plans\u2019", "plans of the Home Office", false],
    // a possessive after the closing quote: the phrase, its 's dropped as in any word
    ["\u2018facial recognition\u2019s", "facial recognition\u2019s roll-out", true],
    ["\u2018facial recognition\u2019s", "recognition of facial features", false],
    ["rock \u2018n\u2019 roll", "rock n roll", true],
  ])("%s on %j → %s", (query, text, expected) => {
    expect(matchesBody(query, text)).toEqual(both(expected));
  });

  it.each([
    ["Home Office\u2019s", "the Home Office's plan", true],
    ["Office\u2019s plan", "the Home Office plan", true],
    ["O\u2018Neill", "Minister O'Neill said", true],
    ["O'Neill", "Minister O\u2018Neill said", true],
    ["secretary\u2019s", "Home Secretary speech", true],
    ["James' speech", "James gave a speech", true],
  ])("an apostrophe inside a word is unchanged: %s on %j → %s", (query, text, expected) => {
    expect(matchesBody(query, text)).toEqual(both(expected));
  });

  // Before single quotes made phrases, every one was an apostrophe: a stored topic with one never
  // closed (`'tis`, `‘90s`) must still compile and mean what it meant (one failing stops all alerts).
  it.each([
    ["\u2018facial recognition", "recognition of facial features", true],
    ["asylum \u2018facial", "facial checks on asylum claims", true],
    ["asylum 'facial", "facial checks on asylum claims", true],
    ["police -\u2018fraud", "police fraud unit", false],
    ["police -\u2018fraud", "police knife crime", true],
    ["'tis the season", "tis the season of knife amnesty", true],
    ["the \u201890s", "crime since the 90s", true],
    ["Office\u2019s \u2018plans", "plans of the Home Office", true],
  ])("a single quote never closed is an apostrophe, as before: %s on %j → %s", (query, text, expected) => {
    expect(matchesBody(query, text)).toEqual(both(expected));
  });

  // `Rwanda ‘’` was the word rwanda before single quotes made phrases; an empty phrase's error
  // would make that stored topic stop the alert matcher for everyone.
  it.each([
    ["Rwanda \u2018\u2019", "Rwanda deal", true],
    ["x '' Rwanda", "Rwanda deal x", true],
    ["\u2018 \u2019 Rwanda", "Rwanda deal", true],
  ])("a pair of single quotes around no words is apostrophes, as before: %s on %j → %s", (query, text, expected) => {
    expect(matchesBody(query, text)).toEqual(both(expected));
  });

  it("every character that folds to ' (and so shares a topic id with it) quotes a phrase as ' does", () => {
    const folding = charsFoldingTo("'");
    expect(folding.length).toBeGreaterThanOrEqual(8);
    for (const q of folding) expectPhrase(q, q);
  });

  it("a double quote never closed is still an error", () => {
    expect(() => compileQuery('asylum "facial')).toThrow(QuerySyntaxError);
  });
});

describe("a phrase in « », » « or ＂ ＂ (they fold to \", so such a query shares a topic id with \"…\")", () => {
  it("every character that folds to \" quotes a phrase, as \" does", () => {
    const folding = charsFoldingTo('"');
    expect(folding).toEqual(expect.arrayContaining(["\u00AB", "\u00BB", "\uFF02", "\u201C", "\u201D"]));
    for (const q of folding) expectPhrase(q, q === "\u00AB" ? "\u00BB" : q === "\u00BB" ? "\u00AB" : q);
  });

  it.each([
    ["police -\u00ABmoney laundering\u00BB", "police money laundering", false],
    ["police -\u00ABmoney laundering\u00BB", "police laundering money", true],
    ["body:\u00AB facial recognition \u00BB", "facial recognition", true],
    ["body:\u00AB facial recognition \u00BB", "recognition of facial features", false],
  ])("negated and scoped like \"…\": %s on %j → %s", (query, text, expected) => {
    expect(matchesBody(query, text)).toEqual(both(expected));
  });

  // They were punctuation before: stored topics holding a stray one must still compile.
  it.each([
    ["asylum \u00BB hotels", "hotels for asylum", true],
    ["\u00ABasylum hotels", "hotels for asylum", true],
    ["\u00AB \u00BB Rwanda", "Rwanda deal", true],
    ["\u00ABa \"b c\"", "a b c", true],
    ["-\u00ABasylum", "hotels", true],
    // » as a separator, as stored topics use it (review): no phrase across a parenthesis, and a
    // closing one must end a token; these compiled and meant this before guillemets made phrases.
    ["Immigration \u00BB (Rwanda \u00BB asylum)", "Rwanda immigration asylum", true],
    ["news \u00BB (asylum OR Rwanda) \u00BB policy", "Home Office news: new Rwanda policy", true],
    ["news \u00BB (asylum OR Rwanda) \u00BB policy", "news on policy", false],
    ["\u00ABasylum\u00BBAND hotels", "asylum and hotels", true],
    ["\u00ABx\u00BBb:OR", "x b or", true],
    ["(\u00ABfacial recognition\u00BB)", "recognition of facial features", false],
  ])("never closed, or around no words, they are punctuation as before: %s on %j → %s", (query, text, expected) => {
    expect(matchesBody(query, text)).toEqual(both(expected));
  });
});
