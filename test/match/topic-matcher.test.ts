import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isPressroomError } from "../../src/core/errors.js";
import { compileQuery, createTopicMatcher } from "../../src/match/index.js";
import { makeRelease } from "./make-release.js";

const WORDS = [
  "ai", "said", "facial", "recognition", "police", "policing", "asylum", "hotel", "hotels", "café", "cafe", "fraud", "the",
  // numbers: with and without thousands separators, and a comma that is not one
  "30,000", "30000", "1,234,567", "1234567", "1,2", "12", "000",
];
const KINDS = ["speech", "press-release", "news-story"];

const word = fc.constantFrom(...WORDS);
const text = fc
  .array(fc.tuple(word, fc.constantFrom(" ", " ", "-", ". ", ", ")), { maxLength: 12 })
  .map((parts) => parts.map(([w, sep]) => w + sep).join(""));
const release = fc
  .record({ title: text, summary: text, body: fc.array(text, { maxLength: 3 }), kind: fc.constantFrom(...KINDS) })
  .map((parts) => makeRelease(parts));

const leaf = fc.oneof(
  word,
  fc.tuple(word, word).map(([a, b]) => `"${a} ${b}"`),
  fc.tuple(word, word).map(([a, b]) => `${a}-${b}`),
  fc.tuple(fc.constantFrom("title", "summary", "body"), word).map(([f, w]) => `${f}:${w}`),
  fc.tuple(word, word).map(([a, b]) => `body:\u201C${a} ${b}\u201D`),
  fc.constantFrom(...KINDS).map((k) => `kind:${k}`),
);
const { query } = fc.letrec<{ query: string }>((tie) => ({
  query: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.tuple(tie("query"), tie("query")).map(([a, b]) => `(${a} OR ${b})`),
    fc.tuple(tie("query"), tie("query")).map(([a, b]) => `${a} ${b}`),
    fc.tuple(tie("query"), tie("query")).map(([a, b]) => `${a} AND ${b}`),
    tie("query").map((a) => `NOT (${a})`),
    tie("query").map((a) => `-(${a})`),
    tie("query").map((a) => `title:(${a})`),
  ),
}));

describe("createTopicMatcher", () => {
  it("gives exactly what evaluating every compiled query would give", () => {
    fc.assert(
      fc.property(fc.array(query, { minLength: 1, maxLength: 10 }), fc.array(release, { maxLength: 5 }), (queries, releases) => {
        const topics = queries.map((q, i) => ({ id: `t${i}`, query: q }));
        const matcher = createTopicMatcher(topics);
        const compiled = topics.map((t) => ({ id: t.id, query: compileQuery(t.query) }));
        for (const r of releases) {
          const naive = compiled
            .filter((t) => t.query.matches(r))
            .map((t) => ({ topicId: t.id, snippet: t.query.snippet(r) }));
          expect(matcher.match(r).map((m) => ({ topicId: m.topicId, snippet: m.snippet }))).toEqual(naive);
        }
      }),
      { numRuns: 400 },
    );
  });

  // The matcher's fast paths: AND-of-OR topics checked without their tree, clauses a trigger already
  // proves skipped, lone terms and kind values decided by presence alone, several topics per key.
  const plainWord = fc.constantFrom("police", "asylum", "hotels", "fraud", "ai", "the", "said", "30,000", "cafe");
  const literal = fc.oneof(
    plainWord,
    plainWord.map((w) => `-${w}`),
    fc.tuple(plainWord, plainWord).map(([a, b]) => `"${a} ${b}"`),
    fc.tuple(fc.constantFrom("title", "summary", "body"), plainWord).map(([f, w]) => `${f}:${w}`),
    fc.constantFrom(...KINDS).map((k) => `kind:${k}`),
    fc.constantFrom(...KINDS).map((k) => `-kind:${k}`),
  );
  const clause = fc.oneof(
    { weight: 3, arbitrary: literal },
    { weight: 1, arbitrary: fc.array(literal, { minLength: 2, maxLength: 3 }).map((ls) => `(${ls.join(" OR ")})`) },
  );
  const clauseQuery = fc
    .tuple(fc.array(clause, { minLength: 1, maxLength: 4 }), fc.constantFrom(" ", " AND "))
    .map(([cs, and]) => cs.join(and));

  it("gives exactly what the naive loop gives for AND-of-OR topics (checked without their tree)", () => {
    fc.assert(
      fc.property(fc.array(clauseQuery, { minLength: 1, maxLength: 12 }), fc.array(release, { minLength: 1, maxLength: 4 }), (queries, releases) => {
        const topics = queries.map((q, i) => ({ id: `t${i}`, query: q }));
        const matcher = createTopicMatcher(topics);
        const compiled = topics.map((t) => ({ id: t.id, query: compileQuery(t.query) }));
        for (const r of releases) {
          const naive = compiled.filter((t) => t.query.matches(r)).map((t) => ({ topicId: t.id, snippet: t.query.snippet(r) }));
          expect(matcher.match(r).map((m) => ({ topicId: m.topicId, snippet: m.snippet }))).toEqual(naive);
        }
      }),
      { numRuns: 600 },
    );
  });

  const topics = [
    { id: "facial", query: '"facial recognition"' },
    { id: "not-fraud", query: "NOT fraud" },
    { id: "ai", query: "ai" },
    { id: "speech", query: "kind:speech" },
    { id: "asylum", query: "asylum OR hotels" },
  ];

  it.each([
    ["AI-enabled facial-recognition searches", "press-release", ["facial", "not-fraud", "ai"]],
    ["They said fraud", "press-release", []],
    ["They said fraud", "speech", ["speech"]],
    ["asylum hotels and fraud", "speech", ["speech", "asylum"]],
  ])("%j (%s) matches %j, in topic order", (body, kind, ids) => {
    const matcher = createTopicMatcher(topics);
    expect(matcher.match(makeRelease({ body: [body], kind })).map((m) => m.topicId)).toEqual(ids);
  });

  it("gives each match its snippet", () => {
    const [match] = createTopicMatcher([{ id: "x", query: "hotels" }]).match(
      makeRelease({ body: ["Ten hotels closed. More will follow."] }),
    );
    expect(match?.topicId).toBe("x");
    expect(match?.snippet).toEqual({ text: "Ten hotels closed.", highlights: [[4, 10]] });
    expect(JSON.parse(JSON.stringify(match))).toEqual({
      topicId: "x",
      snippet: { text: "Ten hotels closed.", highlights: [[4, 10]] },
    });
  });

  it("names the topic whose query is invalid", () => {
    try {
      createTopicMatcher([{ id: "good", query: "ai" }, { id: "bad", query: "ai OR" }]);
      expect.unreachable();
    } catch (error) {
      expect(isPressroomError(error, "QUERY_INVALID")).toBe(true);
      expect((error as Error).message).toMatch(/^topic bad: query: OR needs a term after it at character 4/);
    }
  });

  it("matches nothing with no topics", () => {
    expect(createTopicMatcher([]).match(makeRelease({ body: ["ai"] }))).toEqual([]);
  });
});
