import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Disk } from "../../src/store/lowdb/disk.js";
import { Docs } from "../../src/store/lowdb/docs.js";
import { runUnit } from "../../src/store/lowdb/journal.js";
import { makeTempDir } from "../helpers/temp-dir.js";

/*
 * Bulky documents (month files) are held up to a limit, least recently used dropped first, except
 * those a unit is writing. Once that unit is on disk they may go: an import's chunk that touched
 * forty months must not keep them all held through the next chunk.
 */
describe("lowdb held documents", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await makeTempDir("pressroom-docs-")));
  afterEach(async () => cleanup());

  const month = (i: number) => `releases/2023-${String(i).padStart(2, "0")}.json`;

  it("keeps a unit's bulky documents while it is written, and drops those beyond the limit once it is on disk", async () => {
    const disk = new Disk(dir);
    const docs = new Docs(disk, [{ match: (rel) => rel.startsWith("releases/"), limit: 3 }]);
    // One unit changes eight months: more than the limit, all held until written.
    for (let i = 1; i <= 8; i++) {
      const doc = await docs.get<{ n: number }>(month(i), () => ({ n: 0 }));
      doc.n = i;
      docs.touch(month(i));
    }
    const files = await docs.staged();
    expect(files.map((f) => f.path)).toEqual(Array.from({ length: 8 }, (_, i) => month(i + 1)));
    expect(Array.from({ length: 8 }, (_, i) => docs.isHeld(month(i + 1)))).toEqual(Array(8).fill(true));
    await runUnit(disk, { files });
    docs.written();
    // The three most recently used stay; the rest are on disk and read again when asked for.
    expect(Array.from({ length: 8 }, (_, i) => docs.isHeld(month(i + 1)))).toEqual([false, false, false, false, false, true, true, true]);
    expect((await docs.get<{ n: number }>(month(2), () => ({ n: 0 }))).n).toBe(2);
    expect(docs.isHeld(month(2))).toBe(true);
    expect(docs.isHeld(month(6))).toBe(false);
  });

  it("keeps each kind of bulky document to its own limit, and a created one is written without being read", async () => {
    const disk = new Disk(dir);
    const index = (i: number) => `keys/m-2023-${String(i).padStart(2, "0")}.json`;
    const docs = new Docs(disk, [
      { match: (rel) => rel.startsWith("releases/"), limit: 2 },
      { match: (rel) => rel.startsWith("keys/m-"), limit: 4 },
    ]);
    await disk.write(month(1), JSON.stringify({ n: 99 }));
    for (let i = 1; i <= 6; i++) {
      docs.create(month(i), { n: i });
      (await docs.get<{ n: number }>(index(i), () => ({ n: 0 }))).n = i;
      docs.touch(index(i));
    }
    const files = await docs.staged();
    await runUnit(disk, { files });
    docs.written();
    expect(Array.from({ length: 6 }, (_, i) => docs.isHeld(month(i + 1)))).toEqual([false, false, false, false, true, true]);
    expect(Array.from({ length: 6 }, (_, i) => docs.isHeld(index(i + 1)))).toEqual([false, false, true, true, true, true]);
    // What the file held before the unit created it is not read: the unit's value is written.
    expect((await docs.get<{ n: number }>(month(1), () => ({ n: 0 }))).n).toBe(1);
    // A removed document is named for the unit once, and no longer held.
    docs.remove(month(6));
    expect(docs.isHeld(month(6))).toBe(false);
    expect(docs.takeRemoves()).toEqual([month(6)]);
    expect(docs.takeRemoves()).toEqual([]);
  });
});
