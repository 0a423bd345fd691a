import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import type { StateCommit, StateStore } from "../../src/core/ports.js";
import { runOnce } from "../../src/pipeline/run-once.js";
import { openHarness, SAMPLE } from "../helpers/pipeline-harness.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import { describeEngines, type TestState } from "../helpers/state-engines.js";

/*
 * A state failure stops the run's commits: a source already read and waiting for its turn commits
 * nothing either (before, a newcomer's baseline committed after the established source's commit
 * failed, storing silently the release the established source was about to alert on).
 */
const ADDED = "  • PRESS RELEASE : Police to expand facial recognition vans [October 2023]\n\n    The press release issued by the Home Office on 31 October 2023.\n\n    More vans.\n\n";

describeEngines("a state failure in one source's commit", (engine) => {
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

  it("control: without the failure, the release new to the established source alerts", async () => {
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
    h = await openHarness({ state, config, now: "2026-11-29T11:00:00Z" });
    await runOnce(h.deps);
    const pending = await h.store.outbox.pending();
    await h.close();
    expect(pending.map((d) => d.email)).toEqual(["desk@example.org"]);
  });

  it("does not let a newcomer's baseline commit after the established source's commit failed (the alert would be lost)", async () => {
    const subs = [{ email: "desk@example.org", topics: [{ query: "vans" }] }];
    const established = join(dir, "a.txt");
    const newcomer = join(dir, "b.txt");
    const text = await readFile(SAMPLE, "utf8");
    await writeFile(established, text);
    // Run 1: the established source's baseline.
    let h = await openHarness({ state, config: { sources: [{ id: "a", type: "dump", path: established }], subscriptions: subs } });
    await runOnce(h.deps);
    await h.close();

    // Run 2: a release new to "a" (subscriber matches "vans"), and a newcomer "b" carrying it too.
    const later = text.replace("Tag: Home Office\n\n", `Tag: Home Office\n\n${ADDED}`);
    await writeFile(established, later);
    await writeFile(newcomer, later);
    const config = { sources: [{ id: "b", type: "dump", path: newcomer }, { id: "a", type: "dump", path: established }], subscriptions: subs };
    h = await openHarness({ state, config, now: "2026-11-29T11:00:00Z" });
    // One transient state failure (connection lost, disk error) in "a"'s commit.
    let failed = false;
    const store: StateStore = {
      ...h.store,
      commit: async (change: StateCommit) => {
        if (!failed && change.source?.id === "a") {
          failed = true;
          throw new Error("simulated transient state failure");
        }
        return h.store.commit(change);
      },
    };
    await expect(runOnce({ ...h.deps, store })).rejects.toThrow(/simulated transient state failure/);
    const bAfterFailedRun = await h.store.sources.get("b");
    await h.close();

    // Run 3: the state is healthy again.
    h = await openHarness({ state, config, now: "2026-11-29T12:00:00Z" });
    const summary = await runOnce(h.deps);
    const pending = await h.store.outbox.pending();
    await h.close();

    // The release new to the established source alerts, once the state is healthy again.
    expect.soft(pending.map((d) => d.email)).toEqual(["desk@example.org"]);
    expect.soft(summary.sources.find((s) => s.sourceId === "a")?.new).toBe(1);
    // The failed run should have stopped committing: "b" was not baselined in it.
    expect.soft(bAfterFailedRun.baselineAt).toBeUndefined();
  });
});
