import { describe, expect, it } from "vitest";
import { parseQuery } from "../../src/match/index.js";
import { findTriggerKeys } from "../../src/match/trigger-keys.js";

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
