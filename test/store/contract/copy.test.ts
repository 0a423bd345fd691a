import { afterEach, expect, it } from "vitest";
import { isPressroomError } from "../../../src/core/errors.js";
import type { StateRecord, StateStore } from "../../../src/core/ports.js";
import type { TestState } from "../../helpers/state-engines.js";
import { describeEngines, stateEngines } from "../../helpers/state-engines.js";
import { at, cleanupRetrying, collect, iso, makeDelivery, makeRelease, makeRun, makeSource, makeTopic } from "./fixtures.js";

/** Exports in a comparable form: records of each type sorted, except runs (oldest first by contract). */
async function canonicalExport(store: StateStore): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const record of await collect(store.exportRecords())) (out[record.type] ??= []).push(JSON.stringify(sortKeys(record)));
  for (const [type, list] of Object.entries(out)) if (type !== "run") list.sort();
  return out;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, sortKeys(v)]));
  return value;
}

async function fill(store: StateStore): Promise<void> {
  const a = makeRelease("Illegal migration bill introduced", "2023-03-07", { sourceItemId: "g-1" });
  const b = makeRelease("Asylum backlog cleared", "2024-01-02", { earlierTitles: ["Legacy asylum backlog cleared"] });
  await store.commit({
    releases: [a, b],
    placements: [{ feed: "all", entry: { id: a.id, date: a.date, updatedAt: a.updatedAt } }, { feed: "all", entry: { id: b.id, date: b.date, updatedAt: b.updatedAt } }, { feed: "topics/asylum", entry: { id: b.id, date: b.date, updatedAt: b.updatedAt } }],
    ensureFeeds: ["topics/knives"],
    dirty: ["archive/2023-03"],
    deliveries: [makeDelivery("d1", "ann@example.org", iso(-10)), makeDelivery("d2", "ann@example.org", iso(100)), makeDelivery("d3", "bob@example.org", iso(-5))],
    source: makeSource("govuk-news"),
  });
  await store.feeds.publish([{ name: "all", xml: "<feed><title>All</title></feed>", entries: 2 }], []);
  await store.sources.put(makeSource("home-office-rss", { consecutiveFailures: 1, lastError: "fetch: timeout" }));
  await store.subscriptions.seed("ann@example.org", [makeTopic("t-asylum", "asylum")]);
  await store.subscriptions.addTopic("bob@example.org", makeTopic("t-knives", "knife crime", "daily"), "web");
  await store.subscriptions.putPending({ token: "tok-1", email: "cat@example.org", query: "visas", frequency: "weekly", createdAt: "2026-11-29T09:00:00.000Z" });
  const claimed = await store.outbox.claimDue("w", 60_000, 10, at(0));
  await store.outbox.ack(claimed.map((d) => (d.id === "d1" ? { id: d.id, status: "sent" as const, sentAt: iso(1) } : { id: d.id, status: "failed" as const, error: "smtp: 550", attempts: 1 })));
  await store.runs.record(makeRun("2026-11-29T08:00:00.000Z", [{ id: "govuk-news", status: "ok", new: 2, revised: 0 }], { enqueued: 3, sent: 1, failed: 1, retrying: 0, pending: 1 }));
  await store.runs.record(makeRun("2026-11-29T09:00:00.000Z", [{ id: "home-office-rss", status: "failed", new: 0, revised: 0 }]));
  await store.secret();
}

describeEngines("state contract: copy", (engine) => {
  const open: TestState[] = [];
  afterEach(async () => {
    for (const s of open.splice(0)) await cleanupRetrying(s.cleanup);
  });

  it("exports every record type", async () => {
    const s = await engine.fresh();
    open.push(s);
    await fill(s.store);
    const exported = await canonicalExport(s.store);
    expect(Object.keys(exported).sort()).toEqual(["delivery", "dirty", "feed-document", "feed-entries", "pending", "release", "run", "secret", "seeded", "source", "subscriber", "totals"]);
    expect(exported.release).toHaveLength(2);
    expect(exported["feed-entries"]).toHaveLength(3);
    expect(exported.delivery).toHaveLength(3);
    const runs = (await collect(s.store.exportRecords())).filter((r): r is Extract<StateRecord, { type: "run" }> => r.type === "run");
    expect(runs.map((r) => r.run.startedAt)).toEqual(["2026-11-29T08:00:00.000Z", "2026-11-29T09:00:00.000Z"]);
  });

  for (const target of stateEngines()) {
    it(`copies into an empty ${target.name} state, which then exports the same records and works`, async () => {
      const from = await engine.fresh();
      open.push(from);
      await fill(from.store);
      const to = await target.fresh();
      open.push(to);
      expect(await to.store.isEmpty()).toBe(true);
      const counts = await to.store.importRecords(from.store.exportRecords());
      expect(counts).toMatchObject({ release: 2, "feed-entries": 3, "feed-document": 1, delivery: 3, run: 2, subscriber: 2, pending: 1, source: 2 });
      expect(await to.store.isEmpty()).toBe(false);
      expect(await canonicalExport(to.store)).toEqual(await canonicalExport(from.store));

      // The copy answers queries like the original.
      expect(await to.store.secret()).toBe(await from.store.secret());
      expect(await to.store.releases.months()).toEqual(["2023-03", "2024-01"]);
      expect((await to.store.releases.byKeys(["item:home-office-news|g-1"])).size).toBe(1);
      expect(await to.store.feeds.names()).toEqual(["all", "topics/asylum", "topics/knives"]);
      expect(await to.store.feeds.get("all")).toEqual(await from.store.feeds.get("all"));
      expect(await to.store.feeds.dirty()).toEqual(["archive/2023-03"]);
      expect(await to.store.outbox.stats(at(0))).toEqual(await from.store.outbox.stats(at(0)));
      expect(await to.store.outbox.enqueue([makeDelivery("d1", "ann@example.org", iso(0))])).toBe(0);
      expect(await to.store.subscriptions.seed("ann@example.org", [makeTopic("t-asylum", "asylum")])).toBe(0);
      expect(await to.store.runs.totals()).toEqual(await from.store.runs.totals());
      expect(await to.store.runs.last()).toEqual(await from.store.runs.last());
      expect((await to.store.outbox.claimDue("w", 60_000, 10, at(200))).map((d) => d.id)).toEqual(["d2"]);
    });
  }

  it("a state holding a record of any one type is not empty, except the secret alone", async () => {
    // Typed by record type: a new type of record fails to compile here until it is tested too.
    const release = makeRelease("Serious violence duty", "2024-06-01");
    const only: Record<StateRecord["type"], StateRecord> = {
      release: { type: "release", release },
      "feed-entries": { type: "feed-entries", feed: "all", entries: [{ id: release.id, date: release.date, updatedAt: release.updatedAt }] },
      "feed-document": { type: "feed-document", document: { name: "all", xml: "<feed/>", etag: '"e"', updated: "2024-06-01T09:00:00Z", entries: 0 } },
      dirty: { type: "dirty", feeds: ["all"] },
      source: { type: "source", state: makeSource("govuk-news") },
      subscriber: { type: "subscriber", subscriber: { email: "ann@example.org", topics: [makeTopic("t-asylum", "asylum")], createdAt: iso(0), origin: "web" } },
      seeded: { type: "seeded", email: "ann@example.org", topicIds: ["t-asylum"] },
      pending: { type: "pending", pending: { token: "tok-1", email: "cat@example.org", query: "visas", frequency: "weekly", createdAt: iso(0) } },
      delivery: { type: "delivery", delivery: makeDelivery("d1", "ann@example.org", iso(0)) },
      run: { type: "run", run: makeRun("2026-11-29T08:00:00.000Z", [{ id: "govuk-news", status: "ok", new: 0, revised: 0 }]) },
      totals: { type: "totals", totals: { runs: 3, releasesNew: 0, releasesRevised: 0, sourceFailures: 0, deliveriesSent: 0, deliveriesFailed: 0, runSecondsTotal: 4 } },
      secret: { type: "secret", secret: "s3cret" },
    };
    const notEmpty: string[] = [];
    for (const record of Object.values(only)) {
      const s = await engine.fresh();
      open.push(s);
      async function* one(): AsyncGenerator<StateRecord> {
        yield record;
      }
      await s.store.importRecords(one());
      if (!(await s.store.isEmpty())) notEmpty.push(record.type);
      await cleanupRetrying(s.cleanup);
      open.splice(open.indexOf(s), 1);
    }
    expect(notEmpty.sort()).toEqual(Object.keys(only).filter((t) => t !== "secret").sort());
  });

  it("refuses to import into a state that is not empty", async () => {
    const s = await engine.fresh();
    open.push(s);
    await s.store.commit({ releases: [makeRelease("Serious violence duty", "2024-06-01")] });
    async function* records(): AsyncGenerator<StateRecord> {
      yield { type: "release", release: makeRelease("Another release", "2024-06-02") };
    }
    const error = await s.store.importRecords(records()).then(() => undefined, (e: unknown) => e);
    expect(isPressroomError(error, "STATE_NOT_EMPTY")).toBe(true);
    expect(await s.store.releases.count()).toBe(1);
  });
});
