import { describe, expect, it } from "vitest";
import { HEAP_GROWING_PERCENT, heapGrowthFlag } from "../../src/cli/heap-growth.js";

describe("heap growth of CLI processes", () => {
  it("sets V8's heap growth when the operator chose none", () => {
    expect(heapGrowthFlag([], undefined)).toBe(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
    expect(heapGrowthFlag(["--enable-source-maps"], "--max-old-space-size=2048")).toBe(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  });

  it("leaves the operator's own choice alone, on the command line or in NODE_OPTIONS, in either spelling", () => {
    expect(heapGrowthFlag(["--heap-growing-percent=20"], undefined)).toBeUndefined();
    expect(heapGrowthFlag([], "--max-old-space-size=2048 --heap_growing_percent=100")).toBeUndefined();
    expect(heapGrowthFlag([], "--heap-growing-percent-typo")).toBe(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  });
});
