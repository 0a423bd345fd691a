import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringOrder } from "../../src/store/lowdb/key-order.js";

/** The keys in the order `stringOrder` gives. */
const ordered = (keys: readonly string[]) => Array.from(stringOrder(keys), (i) => keys[i]!);

/** Keys like a segment's: terms sharing long prefixes, `kind:` keys, digits, and characters beyond ASCII and below the digits. */
const termLike = fc.string({ unit: fc.constantFrom("a", "b", "p", "o", "l", "z", "0", "9", ":", " ", "-", "A", "é", "\u2019", "\uffff", "\ud83d"), maxLength: 14 });

describe("search keys ordered for a segment", () => {
  it("come in JavaScript string order, as the default sort puts them, whatever their characters", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(termLike, fc.string({ unit: "binary", maxLength: 8 })), { maxLength: 300 }), (keys) => {
        expect(ordered(keys)).toEqual([...keys].sort());
      }),
      { numRuns: 400 },
    );
  });

  it("sort thousands of terms that share their first five and ten characters (runs sorted by the characters after them)", () => {
    const keys: string[] = [];
    for (let i = 0; i < 5_000; i++) keys.push(`secretary${(i * 7919) % 5_000}`, `polic${String.fromCharCode(97 + (i % 26))}${i}`, `kind:${i % 3 ? "press release" : "speech"}`);
    const order = stringOrder(keys);
    expect(new Set(order).size).toBe(keys.length);
    expect(ordered(keys)).toEqual([...keys].sort());
  });
});
