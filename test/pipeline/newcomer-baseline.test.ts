import { readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import type { StateCommit, StateStore } from "../../src/core/ports.js";
import type { RunSummary } from "../../src/core/run.js";
import type { Delivery } from "../../src/core/subscription.js";
import { runOnce } from "../../src/pipeline/run-once.js";
import { openHarness, SAMPLE } from "../helpers/pipeline-harness.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import { describeEngines, type TestState } from "../helpers/state-engines.js";

/*
 * An established source "a" and a newcomer "b" whose first read (its baseline) stores what it reads
 * without alerting. A release the newcomer stored that the established source then sees for the
 * first time was never alerted: it alerts as new, whether the established source failed that run
 * (file briefly unreadable, HTTP 503) or lists it only later. And a state failure stops the run's
 * commits: a newcomer already read and waiting for its turn commits nothing either (before, its
 * baseline committed after the established source's commit failed, storing silently the release
 * the established source was about to alert on).
 */
const ADDED = "  • PRESS RELEASE : Police to expand facial recognition vans [October 2023]\n\n    The press release issued by the Home Office on 31 October 2023.\n\n    More vans.\n\n";
const SUBSCRIPTIONS = [{ email: "desk@example.org", topics: [{ query: "vans" }] }];

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

  /**
   * Run 1: the established source's baseline over the sample. Returns its file, the newcomer's, the
   * sample with a release about vans added (`later`), and `run`, one run of both (newcomer first in
   * config) at `now`, optionally through a wrapped store.
   */
  async function establish() {
    const a = join(dir, "a.txt");
    const b = join(dir, "b.txt");
    const text = await readFile(SAMPLE, "utf8");
    await writeFile(a, text);
    const first = await openHarness({ state, config: { sources: [{ id: "a", type: "dump", path: a }], subscriptions: SUBSCRIPTIONS } });
    await runOnce(first.deps);
    await first.close();
    const config = { sources: [{ id: "b", type: "dump", path: b }, { id: "a", type: "dump", path: a }], subscriptions: SUBSCRIPTIONS };
    const run = async (now: string, wrap?: (store: StateStore) => StateStore): Promise<{ summary: RunSummary; pending: Delivery[] }> => {
      const h = await openHarness({ state, config, now });
      try {
        const summary = await runOnce(wrap ? { ...h.deps, store: wrap(h.store) } : h.deps);
        return { summary, pending: await h.store.outbox.pending() };
      } finally {
        await h.close();
      }
    };
    return { a, b, later: text.replace("Tag: Home Office\n\n", `Tag: Home Office\n\n${ADDED}`), run };
  }

  const newOf = (summary: RunSummary, id: string) => summary.sources.find((s) => s.sourceId === id)?.new;

  it("alerts when the established source failed to read the run the newcomer baselined", async () => {
    const { a, b, later, run } = await establish();
    await writeFile(a, later);
    await writeFile(b, later);
    // Run 2: "a" is briefly unreadable.
    await rename(a, `${a}.away`);
    const failed = await run("2026-11-29T11:00:00Z");
    expect(failed.summary.sources.find((s) => s.sourceId === "a")?.status).toBe("failed");
    await rename(`${a}.away`, a);
    // Run 3: "a" reads again; its new release alerts.
    const { summary, pending } = await run("2026-11-29T12:00:00Z");
    expect.soft(newOf(summary, "a")).toBe(1);
    expect.soft(pending.map((d) => d.email)).toEqual(["desk@example.org"]);
  });

  it("alerts when an established source lists it a run after the newcomer's baseline, and only once", async () => {
    const { a, b, later, run } = await establish();
    // Run 2: only the newcomer carries the release yet.
    await writeFile(b, later);
    const baseline = await run("2026-11-29T11:00:00Z");
    expect(baseline.pending).toEqual([]);
    expect(baseline.summary.sources.find((s) => s.sourceId === "b")).toMatchObject({ baseline: true, new: 1 });
    // Run 3: the established source lists it.
    await writeFile(a, later);
    const listed = await run("2026-11-29T12:00:00Z");
    expect(newOf(listed.summary, "a")).toBe(1);
    expect(listed.pending.map((d) => d.email)).toEqual(["desk@example.org"]);
    // Run 4: both list it; nothing more is queued.
    const again = await run("2026-11-29T13:00:00Z");
    expect(again.summary.sources.map((s) => s.new)).toEqual([0, 0]);
    expect(again.pending.map((d) => d.id)).toEqual(listed.pending.map((d) => d.id));
  });

  it("does not let a newcomer's baseline commit after the established source's commit failed (the alert would be lost)", async () => {
    const { a, b, later, run } = await establish();
    await writeFile(a, later);
    await writeFile(b, later);
    // Run 2: one transient state failure (connection lost, disk error) in "a"'s commit.
    let failed = false;
    const failingOnce = (store: StateStore): StateStore => ({
      ...store,
      commit: async (change: StateCommit) => {
        if (!failed && change.source?.id === "a") {
          failed = true;
          throw new Error("simulated transient state failure");
        }
        return store.commit(change);
      },
    });
    await expect(run("2026-11-29T11:00:00Z", failingOnce)).rejects.toThrow(/simulated transient state failure/);
    const reader = await state.open({});
    const bAfterFailedRun = await reader.sources.get("b");
    await reader.close();
    // Run 3: the state is healthy again; the release new to the established source alerts.
    const { summary, pending } = await run("2026-11-29T12:00:00Z");
    expect.soft(pending.map((d) => d.email)).toEqual(["desk@example.org"]);
    expect.soft(newOf(summary, "a")).toBe(1);
    // The failed run stopped committing: "b" was not baselined in it.
    expect.soft(bAfterFailedRun.baselineAt).toBeUndefined();
  });
});
