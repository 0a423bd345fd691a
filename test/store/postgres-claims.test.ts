import pg from "pg";
import { afterEach, describe, expect, it, vi } from "vitest";
import { isPressroomError } from "../../src/core/errors.js";
import { fixedClock } from "../../src/core/clock.js";
import type { StateStore } from "../../src/core/ports.js";
import type { Delivery } from "../../src/core/subscription.js";
import { openPostgresState } from "../../src/store/postgres/open-postgres-state.js";
import { createTestDatabase, testDatabaseUrl } from "../helpers/state-engines.js";
import { at, cleanupRetrying, iso, makeDelivery, makeRelease } from "./contract/fixtures.js";

const clock = fixedClock("2026-11-29T10:00:00Z");

describe.skipIf(!testDatabaseUrl())("postgres outbox under concurrency", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await cleanupRetrying(c);
  });

  async function twoInstances(): Promise<[StateStore, StateStore]> {
    const db = await createTestDatabase();
    cleanups.push(db.drop);
    const [a, b] = await Promise.all([openPostgresState(db.url, { clock, poolSize: 4 }), openPostgresState(db.url, { clock, poolSize: 4 })]);
    cleanups.push(() => a.close(), () => b.close());
    return [a, b];
  }

  it("two instances claiming at once never get the same delivery, and never split an address", async () => {
    const [a, b] = await twoInstances();
    const deliveries = Array.from({ length: 2_000 }, (_, i) => makeDelivery(`d${i}`, `user${i % 500}@example.org`, iso(-(i % 90))));
    expect((await a.commit({ deliveries })).enqueued).toBe(2_000);

    async function drain(store: StateStore, owner: string): Promise<Delivery[]> {
      const got: Delivery[] = [];
      for (;;) {
        const claimed = await store.outbox.claimDue(owner, 600_000, 7, at(0));
        if (claimed.length === 0) return got;
        got.push(...claimed);
      }
    }
    const [x, y, z] = await Promise.all([drain(a, "a1"), drain(b, "b1"), drain(b, "b2")]);
    const ids = [x, y, z].map((list) => new Set(list.map((d) => d.id)));
    expect(ids[0]!.size + ids[1]!.size + ids[2]!.size).toBe(2_000);
    expect(new Set([...ids[0]!, ...ids[1]!, ...ids[2]!]).size).toBe(2_000);
    // Every claimer did some of the work, and each address went whole to one claimer.
    expect(x.length).toBeGreaterThan(0);
    expect(y.length + z.length).toBeGreaterThan(0);
    const owners = new Map<string, Set<number>>();
    [x, y, z].forEach((list, i) => list.forEach((d) => owners.set(d.email, (owners.get(d.email) ?? new Set()).add(i))));
    expect(owners.size).toBe(500);
    expect([...owners.values()].every((o) => o.size === 1)).toBe(true);
    expect(await a.outbox.claimDue("late", 600_000, 100, at(1))).toEqual([]);
  });

  it("a claim of a stopped instance comes back to the other after its lease", async () => {
    const [a, b] = await twoInstances();
    await a.outbox.enqueue([makeDelivery("d1", "ann@example.org", iso(-1)), makeDelivery("d2", "ann@example.org", iso(-2))]);
    expect((await a.outbox.claimDue("a", 60_000, 10, at(0))).map((d) => d.id)).toEqual(["d2", "d1"]);
    await a.close();
    expect(await b.outbox.claimDue("b", 60_000, 10, at(0.5))).toEqual([]);
    const back = await b.outbox.claimDue("b", 60_000, 10, at(1));
    expect(back.map((d) => d.id)).toEqual(["d2", "d1"]);
    await b.outbox.ack(back.map((d) => ({ id: d.id, status: "sent" as const, sentAt: iso(1) })));
    expect(await b.outbox.stats(at(2))).toMatchObject({ pending: 0, sent: 2 });
  });

  it("queues 50,000 deliveries in one commit quickly and dedupes them on a second", async () => {
    const [a] = await twoInstances();
    const deliveries = Array.from({ length: 50_000 }, (_, i) => makeDelivery(`big-${i}`, `reader${i % 5_000}@example.org`, iso(i % 120)));
    const queries = vi.spyOn(pg.Client.prototype, "query");
    const started = Date.now();
    try {
      expect((await a.commit({ deliveries })).enqueued).toBe(50_000);
      // Batched: begin, a handful of multi-row inserts, generation, notify, commit; not one per delivery.
      expect(queries.mock.calls.length).toBeGreaterThan(3);
      expect(queries.mock.calls.length).toBeLessThan(30);
    } finally {
      queries.mockRestore();
    }
    expect(Date.now() - started).toBeLessThan(30_000);
    expect((await a.commit({ deliveries: deliveries.slice(0, 10_000) })).enqueued).toBe(0);
    expect(await a.outbox.stats(at(0))).toMatchObject({ pending: 50_000 });
  });

  it("commits all or nothing: a failing part leaves nothing behind", async () => {
    const [a, b] = await twoInstances();
    const release = makeRelease("Immigration rules changed", "2025-03-12");
    const before = await a.generation();
    const broken = { ...makeDelivery("bad", "ann@example.org", iso(0)), dueAt: "not a date" };
    const error = await a.commit({ releases: [release], placements: [{ feed: "all", entry: { id: release.id, date: release.date, updatedAt: release.updatedAt } }], dirty: ["all"], deliveries: [makeDelivery("ok", "bob@example.org", iso(0)), broken] }).then(() => undefined, (e: unknown) => e);
    expect(isPressroomError(error, "STATE_IO")).toBe(true);
    expect((error as Error).message).toMatch(/^store: unable to commit in postgres:\/\//);
    expect(await b.releases.count()).toBe(0);
    expect(await b.feeds.names()).toEqual([]);
    expect(await b.feeds.dirty()).toEqual([]);
    expect(await b.outbox.get("ok")).toBeUndefined();
    expect(await b.generation()).toBe(before);
  });

  it("two instances each revising a release the other refills at once both commit, and no stale refill is placed", async () => {
    const [a, b] = await twoInstances();
    const pairs = Array.from({ length: 6 }, (_, i) => [makeRelease(`Asylum statement ${i}`, `2024-03-1${i}`), makeRelease(`Asylum update ${i}`, `2024-04-1${i}`)] as const);
    await a.commit({ releases: pairs.flat() });
    const read = (r: (typeof pairs)[number][number]) => ({ id: r.id, date: r.date, updatedAt: r.updatedAt });
    const revised = (r: (typeof pairs)[number][number]) => ({ ...r, title: `${r.title}, revised`, updatedAt: "2024-05-01T10:00:00.000Z" });
    for (const [x, y] of pairs) {
      // Each revises one release (its row locked by the upsert) and refills the other, read before (FOR SHARE):
      // they may deadlock, and the one PostgreSQL aborts is retried whole.
      const done = await Promise.all([
        a.commit({ releases: [revised(x)], placements: [{ feed: "topics/asylum", entry: read(y), ifCurrent: true }] }),
        b.commit({ releases: [revised(y)], placements: [{ feed: "topics/asylum", entry: read(x), ifCurrent: true }] }),
      ]);
      expect(done).toHaveLength(2);
    }
    const held = new Set((await a.feeds.entries("topics/asylum")).map((e) => e.id));
    for (const [x, y] of pairs) {
      // Whichever committed second saw the other's revision: at most one of the two refills stands.
      expect(held.has(x.id) && held.has(y.id), `${x.id} and ${y.id}`).toBe(false);
      expect((await b.releases.get(x.id))?.title).toBe(revised(x).title);
      expect((await b.releases.get(y.id))?.title).toBe(revised(y).title);
    }
  });

  it("two instances committing the same releases at once, in opposite orders, both succeed", async () => {
    const [a, b] = await twoInstances();
    const releases = Array.from({ length: 200 }, (_, i) => makeRelease(`Policing statement number ${i}`, `2025-0${(i % 9) + 1}-1${i % 10}`, { sourceItemId: `item-${i}` }));
    const placements = (list: typeof releases) => list.flatMap((r) => ["all", "kinds/press-release"].map((feed) => ({ feed, entry: { id: r.id, date: r.date, updatedAt: r.updatedAt } })));
    const reversed = [...releases].reverse();
    const runs = await Promise.all(
      Array.from({ length: 6 }, (_, i) => {
        const list = i % 2 ? reversed : releases;
        return (i % 2 ? b : a).commit({ releases: list, placements: placements(list), dirty: ["all"], deliveries: list.map((r) => makeDelivery(`${r.id}#alert`, `reader-${r.date}@example.org`, iso(0))) });
      }),
    );
    expect(runs.reduce((n, r) => n + r.enqueued, 0)).toBe(200);
    expect(await a.releases.count()).toBe(200);
    expect((await b.releases.byKeys(["item:home-office-news|item-7"])).get("item:home-office-news|item-7")?.title).toBe("Policing statement number 7");
    expect(await a.feeds.entries("all")).toHaveLength(50);
  });
});
