import { describe, expect, it } from "vitest";
import { createProgress } from "../../src/cli/progress.js";

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { stream: { isTTY, write: (s: string) => writes.push(s) } as unknown as NodeJS.WriteStream, writes };
}

describe("progress bar", () => {
  it("draws on a terminal for long imports and clears itself", () => {
    const { stream, writes } = fakeStream(true);
    const p = createProgress(stream);
    p.update("big.txt", 25_000_000, 50_000_000);
    p.update("big.txt", 25_000_001, 50_000_000);
    p.done();
    expect(writes[0]).toBe(`\rbig.txt [${"#".repeat(15)}${"-".repeat(15)}] 50% `);
    expect(writes).toHaveLength(2);
    expect(writes[1]).toBe("\r\x1b[K");
  });

  it("draws nothing when output is not a terminal", () => {
    const { stream, writes } = fakeStream(false);
    const p = createProgress(stream);
    p.update("big.txt", 1, 50_000_000);
    p.done();
    expect(writes).toEqual([]);
  });
});
