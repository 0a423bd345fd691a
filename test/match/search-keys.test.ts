import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Release } from "../../src/core/release.js";
import { isPairKey, kindKey, pairHashes, pairKey } from "../../src/core/search-key.js";
import { releaseIndexKeys, releaseSearchKeys } from "../../src/match/search-keys.js";
import { normalizeWord, scanWordsByRegExp } from "../../src/match/tokenize.js";
import { makeRelease } from "./make-release.js";

/** The keys as defined: each piece's terms (read by the regular expression) and adjacent pairs, and the kind key. */
function referenceKeys(release: Release): string[] {
  const keys = new Set<string>();
  const pieces = [release.title, release.summary, ...release.body.flatMap((b) => (b.type === "paragraph" ? [b.text] : b.items))];
  for (const text of pieces) {
    let previous = "";
    scanWordsByRegExp(text, (word) => {
      const term = normalizeWord(word);
      if (term === "") return;
      keys.add(term);
      if (previous) keys.add(pairKey(previous, term));
      previous = term;
    });
  }
  const kindTerms: string[] = [];
  scanWordsByRegExp(release.kind, (word) => {
    const term = normalizeWord(word);
    if (term !== "") kindTerms.push(term);
  });
  keys.add(kindKey(kindTerms.join(" ")));
  return [...keys].sort();
}

const expectKeys = (release: Release) => {
  const keys = releaseSearchKeys(release);
  // Each key once, and the same set.
  expect(new Set(keys).size).toBe(keys.length);
  expect([...keys].sort()).toEqual(referenceKeys(release));
  // The engines' form: the same words, and each pair's hashes (no pair key made), each pair once.
  const indexed = releaseIndexKeys(release);
  expect([...indexed.words].sort()).toEqual(keys.filter((k) => !isPairKey(k)).sort());
  const hashes: string[] = [];
  for (let i = 0; i < indexed.pairs.length; i += 2) hashes.push(`${indexed.pairs[i]}/${indexed.pairs[i + 1]}`);
  expect(hashes.sort()).toEqual(keys.filter(isPairKey).map((k) => pairHashes(k).join("/")).sort());
  if (indexed.numbers) expectNumbering(indexed.words, indexed.numbers);
};

/** Per numbering seen so far (`space`): each numbered word's number, each number's word, and the words given no number. */
const numberings = new WeakMap<object, { byWord: Map<string, number>; byNumber: Map<number, string>; unnumbered: Set<string> }>();

/**
 * What a segment builder relies on (src/core/search-key.ts): within one numbering a word keeps one
 * number and a number one word, across releases, and no unnumbered word equals a numbered one.
 */
function expectNumbering(words: readonly string[], numbers: { readonly ids: Int32Array; readonly space: object }): void {
  expect(numbers.ids.length).toBe(words.length);
  let seen = numberings.get(numbers.space);
  if (!seen) numberings.set(numbers.space, (seen = { byWord: new Map(), byNumber: new Map(), unnumbered: new Set() }));
  words.forEach((word, i) => {
    const id = numbers.ids[i]!;
    if (id < 0) {
      expect(seen.byWord.has(word)).toBe(false);
      seen.unnumbered.add(word);
      return;
    }
    expect(seen.unnumbered.has(word)).toBe(false);
    expect(seen.byWord.get(word) ?? id).toBe(id);
    expect(seen.byNumber.get(id) ?? word).toBe(word);
    seen.byWord.set(word, id);
    seen.byNumber.set(id, word);
  });
}

const words = ["Home", "home", "HOMES", "Secretary\u2019s", "don't", "caf\u00e9", "cafe\u0301", "30,000", "1,2", "police", "policing", "x1", "\u2014", "'", "AI-generated", "news", "1990s", "\u00a35,000m", "\u4e2d\u6587", "\u{1D400}b", "\u0301", "a", "I"];

describe("releaseSearchKeys", () => {
  it("gives each term, each pair of adjacent terms within a piece, and the kind key, once", () => {
    const release = makeRelease({ title: "Police and policing", summary: "Home news. Police", body: ["Police and 30,000 officers", ["news item", "item two"]], kind: "press-release" });
    expect([...releaseSearchKeys(release)].sort()).toEqual(
      ["and", "and 30000", "and polic", "polic", "polic and", "hom", "hom news", "news", "news polic", "30000", "30000 officer", "officer", "news item", "item", "item two", "two", "kind:press releas"].sort(),
    );
  });

  it("gives the keys of the definition on random releases, one after another", () => {
    const piece = fc.array(fc.oneof(fc.constantFrom(...words), fc.string({ maxLength: 6 })), { maxLength: 12 }).map((ws) => ws.join(" "));
    fc.assert(
      fc.property(piece, piece, fc.array(fc.oneof(piece, fc.array(piece, { maxLength: 3 })), { maxLength: 4 }), fc.constantFrom("press-release", "speech", "News story"), (title, summary, body, kind) => {
        expectKeys(makeRelease({ title, summary, body, kind }));
      }),
      { numRuns: 1500 },
    );
  });

  it("stays right past the size of its tables (hundreds of thousands of distinct words)", () => {
    let n = 0;
    const word = () => (n++ % 5 === 0 ? "police" : `w${n.toString(36)}`);
    for (let r = 0; r < 40; r++) {
      const paragraphs = Array.from({ length: 100 }, () => Array.from({ length: 100 }, word).join(" "));
      expectKeys(makeRelease({ title: `Release ${r} police`, summary: "Home news", body: paragraphs }));
    }
    expect(n).toBeGreaterThan(300_000);
  });

  it("stays right over hundreds of thousands of distinct pairs of a few words (each release's pairs kept once, whatever came before)", () => {
    let seed = 1;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    const vocabulary = Array.from({ length: 3_000 }, (_, i) => `p${i.toString(36)}`);
    for (let r = 0; r < 70; r++) {
      const paragraphs = Array.from({ length: 100 }, () => Array.from({ length: 100 }, () => vocabulary[next() % vocabulary.length]!).join(" "));
      expectKeys(makeRelease({ title: `Release ${r}`, body: paragraphs }));
    }
  });

  it("keeps a pair once however often a release repeats it, and again in the next release", () => {
    const body = Array.from({ length: 50 }, () => "facial recognition vans facial recognition");
    for (const title of ["Facial recognition", "Other news"]) {
      const keys = releaseSearchKeys(makeRelease({ title, body }));
      expect(keys.filter((k) => k === "facial recognition")).toHaveLength(1);
      expectKeys(makeRelease({ title, body }));
    }
  });

  it("gives the same keys for a release too big for its tables", () => {
    const big = Array.from({ length: 700_000 }, (_, i) => `v${i % 50_000}`).join(" ");
    expectKeys(makeRelease({ title: "Big", body: [big, "tail words"] }));
  });
});
