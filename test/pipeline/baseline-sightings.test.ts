import { readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { runOnce } from "../../src/pipeline/run-once.js";
import { openHarness, SAMPLE } from "../helpers/pipeline-harness.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import { describeEngines, type TestState } from "../helpers/state-engines.js";

/*
 * A newcomer's baseline stores what it reads without alerting. A release it stored that an
 * established source then sees for the first time was never alerted: it alerts as new, whether the
 * established source failed that run (file briefly unreadable, HTTP 503) or lists it only later.
 */
const ADDED = "  • PRESS RELEASE : Police to expand facial recognition vans [October 2023]\n\n    The press release issued by the Home Office on 31 October 2023.\n\n    More vans.\n\n";

describeEngines("a release first stored by a newcomer's baseline", (engine) => {
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

  it("still alerts the release new to the established source once it reads again", async () => {
    const subs = [{ email: "desk@example.org", topics: [{ query: "vans" }] }];
    const established = join(dir, "a.txt");
    const newcomer = join(dir, "b.txt");
    const text = await readFile(SAMPLE, "utf8");
    await writeFile(established, text);
    let h = await openHarness({ state, config: { sources: [{ id: "a", type: "dump", path: established }], subscriptions: subs } });
    await runOnce(h.deps);
    await h.close();

    const later = text.replace("Tag: Home Office\n\n", `Tag: Home Office\n\n${ADDED}`);
    await writeFile(established, later);
    await writeFile(newcomer, later);
    const config = { sources: [{ id: "b", type: "dump", path: newcomer }, { id: "a", type: "dump", path: established }], subscriptions: subs };
    // Run 2: "a" is briefly unreadable.
    await rename(established, `${established}.away`);
    h = await openHarness({ state, config, now: "2026-11-29T11:00:00Z" });
    const failedRun = await runOnce(h.deps);
    await h.close();
    expect(failedRun.sources.find((s) => s.sourceId === "a")?.status).toBe("failed");
    await rename(`${established}.away`, established);

    // Run 3: "a" reads again; its new release should alert.
    h = await openHarness({ state, config, now: "2026-11-29T12:00:00Z" });
    const summary = await runOnce(h.deps);
    const pending = await h.store.outbox.pending();
    await h.close();
    expect.soft(summary.sources.find((s) => s.sourceId === "a")?.new).toBe(1);
    expect.soft(pending.map((d) => d.email)).toEqual(["desk@example.org"]);
  });

  it("alerts when an established source lists it a run after the newcomer's baseline, and only once", async () => {
    const subs = [{ email: "desk@example.org", topics: [{ query: "vans" }] }];
    const established = join(dir, "a.txt");
    const newcomer = join(dir, "b.txt");
    const text = await readFile(SAMPLE, "utf8");
    await writeFile(established, text);
    let h = await openHarness({ state, config: { sources: [{ id: "a", type: "dump", path: established }], subscriptions: subs } });
    await runOnce(h.deps);
    await h.close();

    // Run 2: only the newcomer carries the release yet.
    const later = text.replace("Tag: Home Office\n\n", `Tag: Home Office\n\n${ADDED}`);
    await writeFile(newcomer, later);
    const config = { sources: [{ id: "b", type: "dump", path: newcomer }, { id: "a", type: "dump", path: established }], subscriptions: subs };
    h = await openHarness({ state, config, now: "2026-11-29T11:00:00Z" });
    const baselineRun = await runOnce(h.deps);
    expect(await h.store.outbox.pending()).toEqual([]);
    await h.close();
    expect(baselineRun.sources.find((s) => s.sourceId === "b")).toMatchObject({ baseline: true, new: 1 });

    // Run 3: the established source lists it.
    await writeFile(established, later);
    h = await openHarness({ state, config, now: "2026-11-29T12:00:00Z" });
    const summary = await runOnce(h.deps);
    const pending = await h.store.outbox.pending();
    await h.close();
    expect(summary.sources.find((s) => s.sourceId === "a")?.new).toBe(1);
    expect(pending.map((d) => d.email)).toEqual(["desk@example.org"]);

    // Run 4: both list it; nothing more is queued.
    h = await openHarness({ state, config, now: "2026-11-29T13:00:00Z" });
    const again = await runOnce(h.deps);
    const after = await h.store.outbox.pending();
    await h.close();
    expect(again.sources.map((s) => s.new)).toEqual([0, 0]);
    expect(after.map((d) => d.id)).toEqual(pending.map((d) => d.id));
  });
});
