import { describe, expect, it } from "vitest";
import { isPressroomError } from "../../src/core/errors.js";
import { compileQuery, createTopicMatcher, parseQuery, QuerySyntaxError, searchReleases } from "../../src/match/index.js";

function errorOf(query: string): QuerySyntaxError {
  try {
    compileQuery(query);
  } catch (error) {
    if (error instanceof QuerySyntaxError) return error;
    throw error;
  }
  throw new Error(`no error for ${query}`);
}

describe("query errors", () => {
  it.each([
    ["", 0, "empty"],
    ["   ", 0, "empty"],
    ["&&", 0, "empty"],
    ["(asylum", 0, "never closed"],
    ["title:-police", 0, "-title:word"],
    ["asylum title:NOT police", 7, "NOT before it"],
    ["asylum OR (hotels (fraud)", 10, "never closed"],
    ["asylum)", 6, "no matching"],
    ["()", 0, "empty"],
    ['"facial recognition', 0, "never closed"],
    ['asylum \u201Cfacial', 7, "never closed"],
    ['""', 0, "no words"],
    ['" - "', 0, "no words"],
    ["asylum AND", 7, "AND needs a term after it"],
    ["asylum OR", 7, "OR needs a term after it"],
    ["OR asylum", 0, "OR needs a term before it"],
    ["AND asylum", 0, "AND needs a term before it"],
    ["asylum OR OR hotels", 7, "OR needs a term after it"],
    ["asylum AND OR hotels", 7, "AND needs a term after it"],
    ["(asylum OR) hotels", 8, "OR needs a term after it"],
    ["asylum NOT", 7, "NOT needs a term after it"],
    ["asylum -(", 8, "never closed"],
    ["title:", 0, "right after the colon"],
    ["title: asylum", 0, "right after the colon"],
    ["tittle:asylum", 0, 'unknown field "tittle:"'],
    ["asylum -&", 7, "- needs a term after it"],
  ])("%j fails at %i (%s)", (query, position, problem) => {
    const error = errorOf(query);
    expect(isPressroomError(error, "QUERY_INVALID")).toBe(true);
    expect(error.position).toBe(position);
    expect(error.message).toContain(problem);
    expect(error.message).toContain(`at character ${position + 1}`);
  });

  it("shows where the problem is", () => {
    expect(errorOf("asylum OR (hotels").message).toBe(
      'query: this "(" is never closed at character 11: asylum OR ⟨here⟩(hotels',
    );
  });

  it.each(["Update: asylum", "10:30 briefing", "a - b", "crime & policing", "+asylum"])("accepts %j", (query) => {
    expect(() => parseQuery(query)).not.toThrow();
  });
});

describe("query length", () => {
  const caught = (work: () => unknown): { code: string; message: string } => {
    try {
      work();
    } catch (error) {
      if (isPressroomError(error)) return { code: error.code, message: error.message };
      throw error;
    }
    throw new Error("expected QUERY_INVALID");
  };

  it.each([501, 5_000, 100_000])("refuses a %i-character query with QUERY_INVALID, saying the limit, without echoing it", (n) => {
    const query = "asylum ".repeat(Math.ceil(n / 7)).slice(0, n);
    for (const work of [() => parseQuery(query), () => compileQuery(query), () => searchReleases(query, []), () => createTopicMatcher([{ id: "t", query }])]) {
      const error = caught(work);
      expect(error.code).toBe("QUERY_INVALID");
      expect(error.message).toMatch(new RegExp(`^(topic t: )?query too long: ${n} characters, at most 500$`));
    }
  });

  it("accepts a query of exactly 500 characters", () => {
    const query = `${"asylum ".repeat(71)}abc`;
    expect(query).toHaveLength(500);
    expect(() => compileQuery(query)).not.toThrow();
  });
});

describe("parseQuery", () => {
  it("builds a tree with AND binding tighter than OR", () => {
    expect(parseQuery("fraud OR asylum -title:hotels")).toEqual({
      type: "or",
      children: [
        { type: "term", term: "fraud", start: 0, end: 5 },
        {
          type: "and",
          children: [
            { type: "term", term: "asylum", start: 9, end: 15 },
            { type: "not", child: { type: "term", term: "hotel", field: "title", start: 23, end: 29 } },
          ],
        },
      ],
    });
  });

  it("turns a hyphenated word into a phrase and a kind into its folded value", () => {
    expect(parseQuery("facial-recognition kind:News-Stories")).toEqual({
      type: "and",
      children: [
        { type: "phrase", terms: ["facial", "recognition"], start: 0, end: 18 },
        { type: "kind", value: "news story", start: 24, end: 36 },
      ],
    });
  });
});
