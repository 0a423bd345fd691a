import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/core/clock.js";
import type { StateStore } from "../../src/core/ports.js";
import { listenPostgresChanges, openPostgresState } from "../../src/store/postgres/index.js";
import { leaseKey } from "../../src/store/postgres/pg-leases.js";
import { createTestDatabase, testDatabaseUrl } from "../helpers/state-engines.js";
import { cleanupRetrying, iso, makeDelivery } from "./contract/fixtures.js";

const clock = fixedClock("2026-11-29T10:00:00Z");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs work under `name`'s lease on `store`, paused inside it until `release()`: `inside` resolves
 * once the lease is held (after `before`), `result` is withLease's answer (`after`'s value).
 */
function holdLease<T>(store: StateStore, name: string, after: () => Promise<T>, before: () => Promise<void> = async () => {}) {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let entered!: () => void;
  const inside = new Promise<void>((r) => (entered = r));
  const result = store.leases.withLease(name, async () => {
    await before();
    entered();
    await gate;
    return after();
  });
  return { inside, release, result };
}

/** Ends every other session holding an advisory lock (the leases' connections), as a dropped connection would. */
async function endLeaseSessions(url: string): Promise<void> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query("select pg_terminate_backend(pid) from pg_locks where locktype = 'advisory' and pid <> pg_backend_pid() and granted");
  } finally {
    await admin.end();
  }
  await sleep(200);
}

describe.skipIf(!testDatabaseUrl())("postgres leases and notifications", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await cleanupRetrying(c);
  });

  async function setup(): Promise<{ url: string; a: StateStore; b: StateStore }> {
    const db = await createTestDatabase();
    cleanups.push(db.drop);
    const a = await openPostgresState(db.url, { clock, poolSize: 3 });
    const b = await openPostgresState(db.url, { clock, poolSize: 3 });
    cleanups.push(() => a.close(), () => b.close());
    return { url: db.url, a, b };
  }

  it("a lease held by one instance turns the other away until it ends", async () => {
    const { a, b } = await setup();
    const holder = holdLease(a, "source:govuk-news", async () => "polled");
    await holder.inside;
    expect(await b.leases.withLease("source:govuk-news", async () => "stolen")).toEqual({ held: false });
    expect(await b.leases.withLease("source:home-office-rss", async () => "other")).toEqual({ held: true, value: "other" });
    holder.release();
    expect(await holder.result).toEqual({ held: true, value: "polled" });
    expect(await b.leases.withLease("source:govuk-news", async () => "next")).toEqual({ held: true, value: "next" });
  });

  it("a lease ends when its holder's connection dies", async () => {
    const { url, a, b } = await setup();
    const holder = holdLease(a, "source:dump", async () => "done");
    await holder.inside;
    expect(await b.leases.withLease("source:dump", async () => 1)).toEqual({ held: false });
    await endLeaseSessions(url);
    expect(await b.leases.withLease("source:dump", async () => 2)).toEqual({ held: true, value: 2 });
    // The work itself finishes; its unlock fails on the dead connection, which is discarded, not reused.
    holder.release();
    expect(await holder.result).toEqual({ held: true, value: "done" });
    expect(await a.leases.withLease("source:dump", async () => 3)).toEqual({ held: true, value: 3 });
  });

  it("work whose lease ended with its connection commits nothing more, while another instance holds the lease", async () => {
    const { url, a, b } = await setup();
    const holder = holdLease(
      a,
      "source:dump",
      async () => {
        const failures: string[] = [];
        for (const write of [
          () => a.commit({ deliveries: [makeDelivery("d2", "ann@example.org", iso(0))] }),
          async () => a.sources.put({ ...(await a.sources.get("dump")), lastError: "from the instance that lost its lease" }),
        ]) {
          await write().then(
            () => failures.push("committed"),
            (error: unknown) => failures.push(`${(error as { code?: string }).code}: ${(error as Error).message}`),
          );
        }
        return failures;
      },
      // Committing while the lease is held works.
      async () => void (await a.commit({ deliveries: [makeDelivery("d1", "ann@example.org", iso(0))] })),
    );
    await holder.inside;
    await endLeaseSessions(url);
    const other = holdLease(b, "source:dump", async () => "polled by b");
    await other.inside;
    holder.release();
    const outcome = await holder.result;
    expect(outcome.held).toBe(true);
    const failures = outcome.held ? outcome.value : [];
    expect(failures).toHaveLength(2);
    for (const failure of failures) expect(failure).toMatch(/^STATE_LOCKED: store: the lease source:dump in .* ended while this process held it/);
    other.release();
    expect(await other.result).toEqual({ held: true, value: "polled by b" });
    expect((await a.outbox.pending()).map((d) => d.id)).toEqual(["d1"]);
    expect((await a.sources.get("dump")).lastError).toBeUndefined();
    // Outside a lease, and under a new one, commits go through again.
    await a.commit({ deliveries: [makeDelivery("d3", "ann@example.org", iso(0))] });
    expect(await a.leases.withLease("source:dump", () => a.commit({ deliveries: [makeDelivery("d4", "ann@example.org", iso(0))] }).then(() => "ok"))).toEqual({ held: true, value: "ok" });
  });

  it("work holding a lease commits, whatever the sign of the lease's 64-bit key", async () => {
    const { a } = await setup();
    // leaseKey("source:a") is positive, leaseKey("source:b") negative: pg_locks splits either into two oids.
    expect([BigInt(leaseKey("source:a")) > 0n, BigInt(leaseKey("source:b")) < 0n]).toEqual([true, true]);
    for (const [name, id] of [["source:a", "d1"], ["source:b", "d2"]] as const) {
      expect(await a.leases.withLease(name, async () => (await a.commit({ deliveries: [makeDelivery(id, "ann@example.org", iso(0))] })).enqueued)).toEqual({ held: true, value: 1 });
    }
    expect((await a.outbox.pending()).map((d) => d.id).sort()).toEqual(["d1", "d2"]);
  });

  it("notifies listeners of changed feeds on publish, and of queued work on commit", async () => {
    const { url, a } = await setup();
    const listener = new pg.Client({ connectionString: url });
    await listener.connect();
    cleanups.push(() => listener.end());
    const heard: { channel: string; payload: string | undefined }[] = [];
    listener.on("notification", (n) => heard.push({ channel: n.channel, payload: n.payload }));
    await listener.query("listen pressroom_feeds");
    await listener.query("listen pressroom_work");

    await a.feeds.publish([{ name: "all", xml: "<feed>1</feed>", entries: 1 }, { name: "kinds/speech", xml: "<feed>s</feed>", entries: 1 }], []);
    await a.feeds.publish([{ name: "all", xml: "<feed>1</feed>", entries: 1 }], []);
    await a.commit({ deliveries: [makeDelivery("d1", "ann@example.org", iso(0))] });
    await a.commit({ deliveries: [makeDelivery("d1", "ann@example.org", iso(0))] });
    for (let i = 0; i < 50 && heard.length < 2; i++) await sleep(20);
    await sleep(200);
    expect(heard).toHaveLength(2);
    expect(heard[0]!.channel).toBe("pressroom_feeds");
    expect(JSON.parse(heard[0]!.payload ?? "[]")).toEqual(["all", "kinds/speech"]);
    expect(heard[1]!.channel).toBe("pressroom_work");
  });

  it("listenPostgresChanges hands feed names and work to handlers, and survives a dropped connection", async () => {
    const { url, a } = await setup();
    const feeds: (readonly string[] | undefined)[] = [];
    let work = 0;
    const listener = await listenPostgresChanges(url, { onFeeds: (names) => feeds.push(names), onWork: () => work++ });
    cleanups.push(() => listener.close());
    const until = async (done: () => boolean) => {
      for (let i = 0; i < 200 && !done(); i++) await sleep(25);
    };

    await a.feeds.publish([{ name: "topics/asylum", xml: "<feed>a</feed>", entries: 1 }], []);
    await a.outbox.enqueue([makeDelivery("d1", "ann@example.org", iso(0))]);
    await until(() => feeds.length >= 1 && work >= 1);
    expect(feeds).toEqual([["topics/asylum"]]);
    expect(work).toBe(1);

    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query("select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'pressroom listen' and datname = current_database()");
    } finally {
      await admin.end();
    }
    // After reconnecting it reports "something may have changed", then hears new changes again.
    await until(() => work >= 2);
    expect(feeds.at(-1)).toBeUndefined();
    await a.feeds.publish([{ name: "all", xml: "<feed>b</feed>", entries: 1 }], []);
    await until(() => feeds.some((f) => f?.[0] === "all"));
    expect(feeds.at(-1)).toEqual(["all"]);
  });
});
