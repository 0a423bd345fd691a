import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runOnce } from "../../src/pipeline/run-once.js";
import { openHarness, SAMPLE } from "../helpers/pipeline-harness.js";
import { stateEngines, type TestState } from "../helpers/state-engines.js";

const postgres = stateEngines().find((e) => e.name === "postgres");
const withPostgres = postgres ? describe : describe.skip;

/** Two instances on one database: a source another instance is polling is skipped, or waited for by an import. */
withPostgres("source leases across instances [postgres]", () => {
  let state: TestState;
  beforeEach(async () => {
    state = await postgres!.fresh();
  });
  afterEach(async () => state.cleanup());

  const config = { sources: [{ id: "sample", type: "dump", path: SAMPLE }], feeds: { topics: [] } };

  it("skips a source whose lease another instance holds, and says so in the result", async () => {
    const other = await state.open();
    let release!: () => void;
    const holding = new Promise<void>((resolve) => (release = resolve));
    let held!: () => void;
    const isHeld = new Promise<void>((resolve) => (held = resolve));
    const otherRun = other.leases.withLease("source:sample", async () => {
      held();
      await holding;
    });
    await isHeld;
    const h = await openHarness({ state, config });
    const run = await runOnce(h.deps);
    expect(run.sources[0]).toMatchObject({ sourceId: "sample", status: "skipped", new: 0 });
    expect(run.ok).toBe(true);
    expect(await h.store.releases.count()).toBe(0);
    release();
    await otherRun;
    // Once the other instance is done, the next run polls the source.
    const next = await runOnce(h.deps);
    expect(next.sources[0]).toMatchObject({ status: "ok", new: 10 });
    await h.close();
  });

  it("waits for the lease instead when told to (imports), then polls the source", async () => {
    const other = await state.open();
    let held!: () => void;
    const isHeld = new Promise<void>((resolve) => (held = resolve));
    const otherRun = other.leases.withLease("source:sample", async () => {
      held();
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    });
    await isHeld;
    const h = await openHarness({ state, config });
    const run = await runOnce({ ...h.deps, waitForLeasesMs: 30_000 });
    expect(run.sources[0]).toMatchObject({ status: "ok", new: 10 });
    await otherRun;
    await h.close();
  });
});
