import { afterEach, expect, it } from "vitest";
import type { TestState } from "../../helpers/state-engines.js";
import { describeEngines } from "../../helpers/state-engines.js";
import { cleanupRetrying, makeRelease } from "./fixtures.js";

describeEngines("state contract: leases, secret, generation, emptiness", (engine) => {
  let s: TestState | undefined;
  afterEach(async () => {
    if (s) await cleanupRetrying(s.cleanup);
    s = undefined;
  });

  it("runs work under a lease, and a second holder is turned away at once", async () => {
    s = await engine.fresh();
    const store = s.store;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const outer = store.leases.withLease("source:govuk-news", async () => {
      const inner = await store.leases.withLease("source:govuk-news", async () => "inner ran");
      const other = await store.leases.withLease("source:home-office-rss", async () => "other ran");
      await gate;
      return { inner, other };
    });
    release();
    expect(await outer).toEqual({ held: true, value: { inner: { held: false }, other: { held: true, value: "other ran" } } });
    // Released afterwards, also after a failure.
    await expect(store.leases.withLease("source:govuk-news", async () => { throw new Error("boom"); })).rejects.toThrow("boom");
    expect(await store.leases.withLease("source:govuk-news", async () => 42)).toEqual({ held: true, value: 42 });
  });

  it("creates one secret and keeps it across reopen; the environment's secret wins", async () => {
    s = await engine.fresh();
    const first = await s.store.secret();
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(await s.store.secret()).toBe(first);
    expect(await s.store.secret("")).toBe(first);
    expect(await s.store.secret("from-the-environment-0123456789")).toBe("from-the-environment-0123456789");
    const again = await s.open();
    expect(await again.secret()).toBe(first);
  });

  it("is empty until something is stored", async () => {
    s = await engine.fresh();
    expect(await s.store.isEmpty()).toBe(true);
    await s.store.commit({ releases: [makeRelease("Counter-terrorism strategy", "2024-05-01")] });
    expect(await s.store.isEmpty()).toBe(false);
  });

  it("reports generation changes to another handle", async () => {
    s = await engine.fresh();
    const before = await s.store.generation();
    await s.store.commit({ releases: [makeRelease("Counter-terrorism strategy", "2024-05-01")] });
    const after = await s.store.generation();
    expect(after).not.toBe(before);
    const again = await s.open();
    expect(await again.generation()).toBe(after);
  });
});
