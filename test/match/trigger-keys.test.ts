import { describe, expect, it } from "vitest";
import { compileQuery, parseQuery } from "../../src/match/index.js";
import { findTriggerClauses, findTriggerKeys } from "../../src/match/trigger-keys.js";

describe("findTriggerKeys", () => {
  it.each([
    ["asylum", ["asylum"]],
    ["the asylum", ["asylum"]],
    ['"the facial recognition"', ["recognition"]],
    ["asylum OR visas", ["asylum", "visa"]],
    ["(asylum OR visas) hotels", ["hotel"]],
    ["title:asylum -fraud", ["asylum"]],
    ["kind:speech", ["kind:speech"]],
    ["kind:speech asylum", ["asylum"]],
    ["NOT fraud", undefined],
    ["asylum OR NOT fraud", undefined],
  ])("%s → %j", (query, keys) => {
    expect(findTriggerKeys(parseQuery(query))).toEqual(keys);
  });
});

describe("findTriggerClauses", () => {
  /** Every clause must be necessary: a release lacking all keys of any one clause cannot match. */
  it.each([
    ["asylum", 1],
    ["asylum hotels", 2],
    ['"facial recognition" police', 2],
    ["(asylum OR visas) hotels", 2],
  ])("%s gives %i clause(s), each necessary", (query, count) => {
    const clauses = findTriggerClauses(parseQuery(query));
    expect(clauses).toHaveLength(count);
    const compiled = compileQuery(query);
    for (const clause of clauses!) {
      // A release holding everything the query mentions except this clause's keys must not match.
      const text = ["asylum", "hotels", "visas", "facial", "recognition", "police"].filter((w) => !clause.some((k) => w.startsWith(k))).join(" ");
      expect(compiled.matches({ id: "tag:x,2023:y", title: "t", kind: "press-release", department: "Home Office", date: "2023-10-30", summary: text, body: [{ type: "paragraph", text }] })).toBe(false);
    }
  });

  it("has none for a pure negation", () => {
    expect(findTriggerClauses(parseQuery("NOT fraud"))).toBeUndefined();
  });
});
