import { describe, expect, it } from "vitest";
import { detached, memoizeBounded } from "../../src/core/memo.js";

describe("memoizeBounded", () => {
  it("computes each input once, up to its cap, and answers the same afterwards", () => {
    const calls: string[] = [];
    const memo = memoizeBounded((s) => { calls.push(s); return s.length; }, 2);
    expect([memo("ab"), memo("ab"), memo("abc"), memo("abcd"), memo("abcd"), memo("ab")]).toEqual([2, 2, 3, 4, 4, 2]);
    expect(calls).toEqual(["ab", "abc", "abcd", "abcd"]); // the third distinct input is past the cap
  });

  it("detached gives an equal string (what the memo keeps as its key)", () => {
    const text = `${"x".repeat(1000)} 30 October 2023 ${"y".repeat(1000)}\u2019`;
    const key = text.slice(1001, 1016);
    expect(detached(key)).toBe("30 October 2023");
    expect(detached("")).toBe("");
    expect(detached("a\u2019\ud83d\ude00")).toBe("a\u2019\ud83d\ude00");
  });
});
