import { stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { runOnce } from "../../src/pipeline/run-once.js";
import { ITEMS_PER_UNIT } from "../../src/core/source.js";
import { openHarness } from "../helpers/pipeline-harness.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import { describeEngines, type TestState } from "../helpers/state-engines.js";
import { parseAtom, validateAtom } from "../helpers/validate-atom.js";

const MONTHS = ["January", "February", "March", "April"];

/** `count` short releases over four months of 2024, oldest first. */
function dumpOf(count: number): string {
  let out = "Tag: Home Office\n\n";
  for (let i = 0; i < count; i++) {
    const month = MONTHS[Math.floor((i * MONTHS.length) / count)]!;
    const title = `Release ${i} on ${i % 7 === 0 ? "facial recognition" : "border security"}`;
    out += `  • PRESS RELEASE : ${title} [${month} 2024]\n\n    The press release issued by the Home Office on ${1 + (i % 28)} ${month} 2024.\n\n    Text of release ${i}.\n\n`;
  }
  return out;
}

describeEngines("a dump larger than one unit of work", (engine) => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let state: TestState;
  beforeEach(async () => {
    ({ dir, cleanup } = await makeTempDir());
    state = await engine.fresh();
  });
  afterEach(async () => {
    await state.cleanup();
    await cleanup();
  });

  it("is stored batch by batch as it is read, completely, with progress to the file's size", async () => {
    const path = join(dir, "big.txt");
    const config = { sources: [{ id: "big", type: "dump", path }], feeds: { topics: [{ name: "facial-recognition", query: '"facial recognition"' }] } };
    let h = await openHarness({ state, config });
    // Each engine says how many items a unit of work holds (lowdb fewer, for memory).
    expect(h.store.itemsPerUnit).toBe(engine.name === "lowdb" ? 500 : ITEMS_PER_UNIT);
    const count = 2 * h.store.itemsPerUnit + 321;
    await writeFile(path, dumpOf(count));
    const progress: [number, number][] = [];
    const feeds: [number, number][] = [];
    const run = await runOnce({
      ...h.deps,
      onProgress: (_source, done, total, phase) => { if (phase === "storing") progress.push([done, total]); },
      onFeedProgress: (done, total) => feeds.push([done, total]),
    });
    expect(run.sources[0]).toMatchObject({ status: "ok", new: count, revised: 0, unchanged: 0 });
    expect(await h.store.releases.count()).toBe(count);
    const size = (await stat(path)).size;
    expect(progress).toHaveLength(3); // one per unit of work
    expect(progress.at(-1)).toEqual([size, size]);
    // Then the feeds: all, the kind, the topic and four archive months.
    expect(run.feedsWritten).toHaveLength(7);
    expect(feeds.at(-1)).toEqual([7, 7]);
    const all = await h.feedXml("all");
    await validateAtom(all);
    expect((await parseAtom(all)).entries).toHaveLength(50);
    const topic = await parseAtom(await h.feedXml("topics/facial-recognition"));
    expect(topic.entries.length).toBe(50);
    const april = await parseAtom(await h.feedXml("archive/2024-04"));
    expect(april.entries.length).toBe(count - Math.ceil((3 * count) / 4));
    await h.close();

    // The cursor was recorded with the last batch: the same file is not read again.
    h = await openHarness({ state, config, now: "2026-11-29T11:00:00Z" });
    const again = await runOnce(h.deps);
    expect(again.sources[0]).toMatchObject({ status: "not-modified", new: 0 });
    await h.close();
  });
});
