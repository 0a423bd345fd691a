import { afterEach, expect, it } from "vitest";
import type { TestState } from "../../helpers/state-engines.js";
import { describeEngines } from "../../helpers/state-engines.js";
import { cleanupRetrying, makeRelease, makeRun, makeSource } from "./fixtures.js";

describeEngines("state contract: sources and runs", (engine) => {
  let s: TestState | undefined;
  afterEach(async () => {
    if (s) await cleanupRetrying(s.cleanup);
    s = undefined;
  });

  it("gives a fresh state for an unknown source and keeps put and committed states", async () => {
    s = await engine.fresh();
    expect(await s.store.sources.get("govuk-news")).toEqual({ id: "govuk-news", consecutiveFailures: 0, recentItemCounts: [], recentGapsHours: [], cursor: {} });
    expect(await s.store.sources.list()).toEqual([]);

    const failed = makeSource("home-office-rss", { consecutiveFailures: 2, lastError: "fetch: HTTP 503", lastErrorAt: "2026-11-29T09:00:00Z" });
    await s.store.sources.put(failed);
    const ok = makeSource("govuk-news", { cursor: { lastModified: "Sun, 29 Nov 2026 09:00:00 GMT", seen: ["a", "b"] } });
    await s.store.commit({ releases: [makeRelease("Police pay award", "2026-11-28")], source: ok });

    expect(await s.store.sources.get("home-office-rss")).toEqual(failed);
    expect(await s.store.sources.list()).toEqual([ok, failed]);
    const recovered = makeSource("home-office-rss");
    await s.store.sources.put(recovered);
    const again = await s.open();
    expect(await again.sources.get("home-office-rss")).toEqual(recovered);
    expect(await again.sources.get("govuk-news")).toEqual(ok);
  });

  it("records runs, newest first, with running totals", async () => {
    s = await engine.fresh();
    expect(await s.store.runs.last()).toBeUndefined();
    expect(await s.store.runs.recent(5)).toEqual([]);
    expect(await s.store.runs.totals()).toEqual({ runs: 0, releasesNew: 0, releasesRevised: 0, sourceFailures: 0, deliveriesSent: 0, deliveriesFailed: 0, runSecondsTotal: 0 });

    const r1 = makeRun("2026-11-29T08:00:00.000Z", [{ id: "govuk", status: "ok", new: 3, revised: 1 }, { id: "rss", status: "failed", new: 0, revised: 0 }], { enqueued: 4, sent: 3, failed: 1, retrying: 0, pending: 0 }, 2500);
    const r2 = makeRun("2026-11-29T09:00:00.000Z", [{ id: "govuk", status: "not-modified", new: 0, revised: 0 }, { id: "rss", status: "ok", new: 2, revised: 0 }], { enqueued: 2, sent: 2, failed: 0, retrying: 0, pending: 0 }, 1500);
    await s.store.runs.record(r1);
    await s.store.runs.record(r2);
    expect(await s.store.runs.last()).toEqual(r2);
    expect(await s.store.runs.recent(5)).toEqual([r2, r1]);
    expect(await s.store.runs.recent(1)).toEqual([r2]);
    expect(await s.store.runs.totals()).toEqual({ runs: 2, releasesNew: 5, releasesRevised: 1, sourceFailures: 1, deliveriesSent: 5, deliveriesFailed: 1, runSecondsTotal: 4 });
  });

  it("keeps totals over every run and at least the 50 most recent runs", async () => {
    s = await engine.fresh();
    for (let i = 0; i < 55; i++) {
      await s.store.runs.record(makeRun(new Date(Date.parse("2026-11-01T00:00:00Z") + i * 3_600_000).toISOString(), [{ id: "govuk", status: "ok", new: 1, revised: 0 }], undefined, 1000));
    }
    const recent = await s.store.runs.recent(50);
    expect(recent).toHaveLength(50);
    expect(recent[0]!.startedAt).toBe(new Date(Date.parse("2026-11-01T00:00:00Z") + 54 * 3_600_000).toISOString());
    expect(recent[49]!.startedAt).toBe(new Date(Date.parse("2026-11-01T00:00:00Z") + 5 * 3_600_000).toISOString());
    const again = await s.open();
    expect(await again.runs.totals()).toMatchObject({ runs: 55, releasesNew: 55, runSecondsTotal: 55 });
    expect((await again.runs.last())?.startedAt).toBe(recent[0]!.startedAt);
  });
});
