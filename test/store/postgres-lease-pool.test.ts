import { afterEach, describe, expect, it } from "vitest";
import { runOnce } from "../../src/pipeline/run-once.js";
import { openHarness, SAMPLE } from "../helpers/pipeline-harness.js";
import { stateEngines, type TestState } from "../helpers/state-engines.js";

const postgres = stateEngines().find((e) => e.name === "postgres");
const withPostgres = postgres ? describe : describe.skip;

/*
 * Each source's lease (pg-leases.ts) keeps a connection checked out for the whole of the
 * source's work, and that work needs further connections from the same pool (default 10). With
 * `concurrency` >= 10 (the schema allows up to 16) every pool connection is held by a lease and the
 * work waits for a connection that never comes, until the pool's 10 s connection timeout.
 */
withPostgres("PostgreSQL leases and the connection pool", () => {
  let state: TestState | undefined;
  afterEach(async () => {
    await state?.cleanup();
    state = undefined;
  });

  it("ten leases held at once still let their work use the store", async () => {
    state = await postgres!.fresh();
    const store = state.store;
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => store.leases.withLease(`source:s${i}`, async () => (await store.sources.get(`s${i}`)).id)),
    );
    const failures = results.flatMap((r) => (r.status === "rejected" ? [String((r.reason as Error).message)] : []));
    expect(failures).toEqual([]);
  }, 60_000);

  it("a run with concurrency 10 (allowed by the config schema) over 10 sources succeeds on PostgreSQL", async () => {
    state = await postgres!.fresh();
    const config = {
      concurrency: 10,
      sources: Array.from({ length: 10 }, (_, i) => ({ id: `sample-${i}`, type: "dump", path: SAMPLE })),
      feeds: { topics: [] },
    };
    const h = await openHarness({ state, config });
    let outcome: string;
    try {
      const run = await runOnce(h.deps);
      outcome = `ok=${run.ok} ${run.sources.map((s) => s.status).join(",")}`;
    } catch (error) {
      outcome = `threw: ${(error as Error).message}`;
    }
    expect(outcome).toMatch(/^ok=true/);
    await h.close();
  }, 60_000);
});
