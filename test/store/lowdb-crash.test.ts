import { createHash } from "node:crypto";
import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/core/clock.js";
import { storedKeys, titleKeysOf } from "../../src/core/identity.js";
import type { StateCommit, StateStore } from "../../src/core/ports.js";
import { openLowdbState } from "../../src/store/lowdb/open-lowdb-state.js";
import { at, iso, makeDelivery, makeRelease, makeSource, makeTopic, NOW } from "./contract/fixtures.js";
import { buildEngine, crashMatrix, listFiles, tempDir } from "./lowdb-support.js";

/*
 * Crash matrices: a child process runs one unit of work and is SIGKILLed right after its Nth
 * durable write, for every N; the reopened state must show the unit wholly or not at all.
 */

const clock = fixedClock(NOW);
const open = (dir: string): Promise<StateStore> => openLowdbState(dir, { clock, lockWaitMs: 2_000 });

const old = makeRelease("Knife crime action plan", "2023-09-12");
const fresh = [
  makeRelease("Police urged to double stop and search", "2023-10-31", { sourceId: "govuk", sourceItemId: "govuk-123" }),
  makeRelease("New asylum accommodation sites announced", "2023-10-02", { earlierTitles: ["Asylum sites named"] }),
  makeRelease("Small boats week", "2023-11-01"),
];
const entryOf = (r: (typeof fresh)[number]) => ({ id: r.id, date: r.date, updatedAt: r.updatedAt });
const feedsOf: Record<string, typeof fresh> = {
  all: fresh,
  "kinds/press-release": fresh,
  "topics/asylum": [fresh[1]!],
  "archive/2023-10": [fresh[0]!, fresh[1]!],
  "archive/2023-11": [fresh[2]!],
};
const deliveries = [makeDelivery("n1", "ann@example.org", iso(-1)), makeDelivery("n2", "ann@example.org", iso(-1)), makeDelivery("n3", "bob@example.org", iso(30))];
const cursorBefore = makeSource("govuk", { cursor: { page: 1 } });
const cursorAfter = makeSource("govuk", { cursor: { page: 2 }, lastNewAt: NOW });
const commit: StateCommit = {
  releases: fresh,
  placements: Object.entries(feedsOf).flatMap(([feed, rs]) => rs.map((r) => ({ feed, entry: entryOf(r) }))),
  ensureFeeds: ["topics/knives"],
  dirty: Object.keys(feedsOf),
  deliveries,
  source: cursorAfter,
};

/** Whether the commit is visible: wholly (true), not at all (false); throws on anything in between. */
async function commitVisibility(store: StateStore): Promise<boolean> {
  const got = await store.releases.getMany(fresh.map((r) => r.id));
  const visible = got.length > 0;
  const seen: Record<string, boolean> = {};
  seen.get = got.length === fresh.length;
  for (const r of fresh) {
    const hits = await store.releases.byKeys(storedKeys(r));
    seen[`keys ${r.title}`] = hits.size === storedKeys(r).length && [...hits.values()].every((h) => h.id === r.id);
    for (const key of titleKeysOf(r)) seen[`title ${key}`] = (await store.releases.byTitleKeys([{ titleKey: key, from: r.date, to: r.date }]))[0]!.some((h) => h.id === r.id);
    seen[`month ${r.title}`] = (await store.releases.inMonth(r.date.slice(0, 7))).some((h) => h.id === r.id);
  }
  seen.count = (await store.releases.count()) === 1 + fresh.length;
  seen.months = (await store.releases.months()).join() === "2023-09,2023-10,2023-11";
  for (const [feed, rs] of Object.entries(feedsOf)) {
    const ids = (await store.feeds.entries(feed)).map((e) => e.id);
    seen[`feed ${feed}`] = rs.every((r) => ids.includes(r.id));
  }
  seen.ensured = await store.feeds.has("topics/knives");
  seen.dirty = Object.keys(feedsOf).every((f) => true && f) && (await store.feeds.dirty()).length === Object.keys(feedsOf).length;
  const pending = (await store.outbox.pending()).map((d) => d.id).sort();
  seen.deliveries = pending.join() === "n1,n2,n3";
  seen.cursor = (await store.sources.get("govuk")).cursor.page === 2;
  const wrong = Object.entries(seen).filter(([, v]) => v !== visible);
  if (wrong.length) throw new Error(`half a commit is visible (releases ${visible ? "are" : "are not"}), but: ${wrong.map(([k]) => k).join(", ")}`);
  if (!visible) {
    // Nothing of it: the state as prepared.
    expect(await store.releases.count()).toBe(1);
    expect(await store.feeds.dirty()).toEqual([]);
    expect(await store.outbox.pending()).toEqual([]);
    expect(await store.sources.get("govuk")).toEqual(cursorBefore);
  }
  return visible;
}

async function noLeftovers(dir: string): Promise<void> {
  const files = await listFiles(dir);
  expect(files.filter((f) => f.endsWith(".tmp") || f === "journal.json" || f === "index-unsynced.json")).toEqual([]);
}

/**
 * Sends what is still pending, then checks that all `total` deliveries are sent, each exported once,
 * and, once the store is closed, that no temp file is left (an acknowledgement's change hint is
 * written after the ack returns, and may be between its temp file and its rename until close).
 */
async function sendTheRestOnce(store: StateStore, dir: string, total: number): Promise<void> {
  for (;;) {
    const claimed = await store.outbox.claimDue("w", 60_000, 1_000, at(0));
    if (claimed.length === 0) break;
    await store.outbox.ack(claimed.map((d) => ({ id: d.id, status: "sent" as const, sentAt: NOW })));
    await store.outbox.releaseClaims("w");
  }
  expect(await store.outbox.stats(at(0))).toMatchObject({ sent: total, pending: 0 });
  const exported = [];
  for await (const r of store.exportRecords()) if (r.type === "delivery") exported.push(r.delivery.id);
  expect(new Set(exported).size).toBe(total);
  expect(exported).toHaveLength(total);
  await store.close();
  await noLeftovers(dir);
}

describe("lowdb crash matrices", () => {
  const dirs: string[] = [];
  beforeAll(async () => { await buildEngine(); }, 120_000);
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it("a source commit (releases in two months, five feeds, dirty marks, 3 deliveries, a cursor) is all or nothing after a crash at any write", { timeout: 180_000 }, async () => {
    const template = await tempDir("pressroom-template-");
    dirs.push(template);
    const prep = await open(template);
    await prep.commit({ releases: [old], placements: [{ feed: "all", entry: entryOf(old) }], source: cursorBefore });
    await prep.feeds.publish([], ["all"]);
    expect(await commitVisibility(prep)).toBe(false);
    await prep.close();

    const outcomes: boolean[] = [];
    const writes = await crashMatrix(template, { scenario: "commit", now: NOW, commit }, async (dir) => {
      const store = await open(dir);
      try {
        outcomes.push(await commitVisibility(store));
        await noLeftovers(dir);
        // The state still works: the same commit applies once more and changes nothing it already had.
        const again = await store.commit(commit);
        expect(again.enqueued).toBe(outcomes.at(-1) ? 0 : 3);
        expect(await commitVisibility(store)).toBe(true);
      } finally {
        await store.close();
      }
    });
    // The index's unsynced marker, the journal, 2 month shards, months.json, key and title index
    // shards, 6 feed entry lists, feeds.json (dirty marks), sources.json, generation, the outbox log
    // append, the journal's removal, then (at close) the marker's removal.
    expect(writes).toBeGreaterThanOrEqual(16);
    expect(outcomes).toHaveLength(writes + 1);
    // After the marker alone nothing is visible; once the journal is durable, everything is.
    expect(outcomes[0]).toBe(false);
    expect(outcomes.slice(1).every(Boolean)).toBe(true);
    console.log(`lowdb commit crash matrix: ${writes} durable writes`);
  });

  it("a big commit (month files staged as temp files, a release moved to another month) is all or nothing after a crash at any write", { timeout: 180_000 }, async () => {
    // Each release ~200 KB: its month files exceed what the journal carries inline, so they are
    // written to temp files first and renamed into place once the journal is durable.
    const big = (title: string, date: string) => {
      const r = makeRelease(title, date);
      return { ...r, body: [{ type: "paragraph" as const, text: `${title} `.repeat(8_000) }] };
    };
    const moved = big("Border statistics published", "2023-08-30");
    const prepared = [big("Visa fees to rise", "2023-08-02"), moved];
    const template = await tempDir("pressroom-template-");
    dirs.push(template);
    const prep = await open(template);
    await prep.commit({ releases: prepared, placements: prepared.map((r) => ({ feed: "all", entry: entryOf(r) })) });
    await prep.close();
    // The moved release's date is revised into September; two new releases in October.
    const next = [{ ...moved, date: "2023-09-01", updatedAt: "2023-09-01T09:00:00Z" }, big("Police pay award", "2023-10-03"), big("Fire safety review", "2023-10-04")];
    const bigCommit: StateCommit = { releases: next, placements: next.map((r) => ({ feed: "all", entry: entryOf(r) })), dirty: ["all"], source: cursorAfter };
    const outcomes: boolean[] = [];
    const writes = await crashMatrix(template, { scenario: "commit", now: NOW, commit: bigCommit }, async (dir) => {
      const store = await open(dir);
      try {
        const months = (await store.releases.months()).join();
        const got = await store.releases.getMany(next.map((r) => r.id));
        const visible = got.length === 3 && got[0]!.date === "2023-09-01";
        const seen = {
          months: months === (visible ? "2023-08,2023-09,2023-10" : "2023-08"),
          count: (await store.releases.count()) === (visible ? 4 : 2),
          august: (await store.releases.inMonth("2023-08")).length === (visible ? 1 : 2),
          moved: (await store.releases.byKeys([`id:${moved.id}`])).get(`id:${moved.id}`)?.date === (visible ? "2023-09-01" : "2023-08-30"),
          none: visible || got.every((r) => r.id === moved.id),
          feed: (await store.feeds.entries("all")).length === (visible ? 4 : 2),
          dirty: (await store.feeds.dirty()).join() === (visible ? "all" : ""),
          cursor: ((await store.sources.get("govuk")).cursor.page === 2) === visible,
        };
        const wrong = Object.entries(seen).filter(([, ok]) => !ok);
        if (wrong.length) throw new Error(`half a commit is visible (releases ${visible ? "are" : "are not"}), but: ${wrong.map(([k]) => k).join(", ")}`);
        outcomes.push(visible);
        await noLeftovers(dir);
      } finally {
        await store.close();
      }
    });
    // The index's unsynced marker, staged month files (September and October: August, now one
    // release, fits in the journal), the journal, two renames, the small files, the journal's removal.
    expect(writes).toBeGreaterThanOrEqual(7);
    expect(outcomes).toHaveLength(writes + 1);
    // Not visible while the temp files are written (a crash then leaves only temp files, removed at
    // open); visible from the journal on.
    const firstVisible = outcomes.indexOf(true);
    expect(firstVisible).toBe(3);
    expect(outcomes.slice(firstVisible).every(Boolean)).toBe(true);
    console.log(`lowdb big commit crash matrix: ${writes} durable writes`);
  });

  it("a commit writing a month whole (its 8 pieces merged into its file and removed) is all or nothing after a crash at any write", { timeout: 180_000 }, async () => {
    const october = (n: number) => makeRelease(`October piece release ${n}`, `2023-10-${String(n + 1).padStart(2, "0")}`);
    const stored = Array.from({ length: 9 }, (_, n) => october(n));
    const template = await tempDir("pressroom-template-");
    dirs.push(template);
    const prep = await open(template);
    for (const r of stored) await prep.commit({ releases: [r] }); // the month file, then 8 pieces
    await prep.close();
    const piecesOf = async (dir: string) => (await listFiles(dir, "releases")).filter((f) => /^releases\/2023-10\.\d+\.json$/.test(f));
    expect(await piecesOf(template)).toHaveLength(8);
    const added = october(9);
    const outcomes: boolean[] = [];
    const writes = await crashMatrix(template, { scenario: "commit", now: NOW, commit: { releases: [added] } }, async (dir) => {
      const store = await open(dir);
      try {
        const visible = (await store.releases.get(added.id)) !== undefined;
        const ids = (await store.releases.inMonth("2023-10")).map((r) => r.id).sort();
        expect(ids).toEqual([...stored, ...(visible ? [added] : [])].map((r) => r.id).sort());
        expect(await store.releases.count()).toBe(visible ? 10 : 9);
        for (const r of stored) expect((await store.releases.get(r.id))?.title).toBe(r.title);
        expect(await piecesOf(dir)).toHaveLength(visible ? 0 : 8);
        outcomes.push(visible);
        await noLeftovers(dir);
      } finally {
        await store.close();
      }
    });
    expect(writes).toBeGreaterThanOrEqual(3);
    expect(outcomes).toHaveLength(writes + 1);
    const firstVisible = outcomes.indexOf(true);
    expect(firstVisible).toBeGreaterThan(0);
    expect(outcomes.slice(firstVisible).every(Boolean)).toBe(true);
    console.log(`lowdb month written whole crash matrix: ${writes} durable writes`);
  });

  it("a commit with many deliveries (their log lines staged in a temp file, not the journal) is all or nothing after a crash at any write", { timeout: 180_000 }, async () => {
    // ~1,500 deliveries: their log lines exceed what the journal carries inline.
    const many = Array.from({ length: 1_500 }, (_, i) => makeDelivery(`m${i}`, `reader${i}@example.org`, iso(-1)));
    const release = makeRelease("Asylum hotels to close", "2023-11-02");
    const manyCommit: StateCommit = { releases: [release], placements: [{ feed: "all", entry: entryOf(release) }], deliveries: many };
    const template = await tempDir("pressroom-template-");
    dirs.push(template);
    const prep = await open(template);
    await prep.commit({ releases: [old], placements: [{ feed: "all", entry: entryOf(old) }] });
    await prep.close();
    const outcomes: boolean[] = [];
    const writes = await crashMatrix(template, { scenario: "commit", now: NOW, commit: manyCommit }, async (dir) => {
      const store = await open(dir);
      try {
        const visible = (await store.releases.getMany([release.id])).length === 1;
        const stats = await store.outbox.stats(at(0));
        expect(stats.pending).toBe(visible ? many.length : 0);
        expect((await store.feeds.entries("all")).length).toBe(visible ? 2 : 1);
        if (visible) expect((await store.outbox.get("m1499"))?.email).toBe("reader1499@example.org");
        outcomes.push(visible);
        await noLeftovers(dir);
      } finally {
        await store.close();
      }
    });
    expect(outcomes).toHaveLength(writes + 1);
    expect(outcomes.at(-1)).toBe(true);
    // Once the journal is durable the whole commit is visible, however far its steps got.
    const first = outcomes.indexOf(true);
    expect(first).toBeGreaterThan(0);
    expect(outcomes.slice(first).every(Boolean)).toBe(true);
    console.log(`lowdb many-deliveries commit crash matrix: ${writes} durable writes`);
  });

  it("claim, assign and ack are all or nothing per write", { timeout: 60_000 }, async () => {
    const template = await tempDir("pressroom-template-");
    dirs.push(template);
    const prep = await open(template);
    await prep.outbox.enqueue([makeDelivery("a1", "ann@example.org", iso(-5)), makeDelivery("b1", "bob@example.org", iso(-4)), makeDelivery("c1", "cat@example.org", iso(60))]);
    await prep.close();
    const states: string[] = [];
    const writes = await crashMatrix(template, { scenario: "ack", now: NOW, later: iso(15) }, async (dir) => {
      const store = await open(dir);
      try {
        const a1 = await store.outbox.get("a1");
        const b1 = await store.outbox.get("b1");
        const stats = await store.outbox.stats(at(0));
        states.push(`${a1?.status}/${a1?.messageId ?? "-"} ${b1?.status}/${b1?.dueAt === iso(15) ? "retry" : "first"}`);
        // Both acks are one write: never one without the other.
        expect(a1?.status === "sent").toBe(b1?.dueAt === iso(15));
        expect(stats.sent + stats.pending).toBe(3);
        // A crash before the ack gives the claims back at once (they lived in the dead process).
        if (a1?.status === "pending") expect((await store.outbox.claimDue("w", 60_000, 10, at(0))).map((d) => d.id)).toEqual(["a1", "b1"]);
        await noLeftovers(dir);
      } finally {
        await store.close();
      }
    });
    expect(writes).toBe(2);
    // Killed after the assign, after the ack, and not killed.
    expect(states).toEqual(["pending/<batch-1@pressroom.invalid> pending/first", "sent/<batch-1@pressroom.invalid> pending/retry", "sent/<batch-1@pressroom.invalid> pending/retry"]);
  });

  it("a queued web confirmation is never lost: the topic is added, or the link still works", { timeout: 60_000 }, async () => {
    const template = await tempDir("pressroom-template-");
    dirs.push(template);
    const prep = await open(template);
    const token = "AbCdEfGhIjKlMnOpQrStUvWxYz012345";
    await prep.subscriptions.putPending({ token, email: "bob@example.org", query: "small boats", frequency: "daily", createdAt: NOW });
    await prep.close();
    const outcomes: string[] = [];
    const writes = await crashMatrix(template, { scenario: "confirm-request", now: NOW, token, email: "bob@example.org", topic: makeTopic("t-boats", "small boats") }, async (dir) => {
      const store = await open(dir);
      try {
        // The next run applies what is queued before it claims alerts.
        await store.outbox.claimDue("run", 60_000, 10, new Date(NOW));
        const subscribed = (await store.subscriptions.get("bob@example.org"))?.topics.some((t) => t.id === "t-boats") ?? false;
        const pending = (await store.subscriptions.getPending(token)) !== undefined;
        outcomes.push(`${subscribed ? "subscribed" : "-"}/${pending ? "pending" : "-"}`);
        await noLeftovers(dir);
      } finally {
        await store.close();
      }
    });
    expect(writes).toBeGreaterThan(1);
    // Before: killed between taking the pending entry and adding the topic left neither ("-/-").
    expect(outcomes.filter((o) => o !== "subscribed/-")).toEqual([]);
  });

  it("an unsubscribe that cancels queued deliveries is all or nothing", { timeout: 60_000 }, async () => {
    const template = await tempDir("pressroom-template-");
    dirs.push(template);
    const prep = await open(template);
    await prep.subscriptions.addTopic("ann@example.org", makeTopic("t-asylum", "asylum"), "web");
    await prep.subscriptions.addTopic("ann@example.org", makeTopic("t-knives", "knife crime"), "web");
    await prep.outbox.enqueue([makeDelivery("x1", "ann@example.org", iso(5), ["t-asylum"]), makeDelivery("x2", "ann@example.org", iso(5), ["t-knives"])]);
    await prep.close();
    const outcomes: boolean[] = [];
    const writes = await crashMatrix(template, { scenario: "unsubscribe", now: NOW, email: "ann@example.org", topicId: "t-asylum" }, async (dir) => {
      const store = await open(dir);
      try {
        const topics = (await store.subscriptions.get("ann@example.org"))?.topics.map((t) => t.id);
        const x1 = (await store.outbox.get("x1"))?.status;
        const removed = topics?.join() === "t-knives";
        expect(x1).toBe(removed ? "cancelled" : "pending");
        expect((await store.outbox.get("x2"))?.status).toBe("pending");
        outcomes.push(removed);
        await noLeftovers(dir);
      } finally {
        await store.close();
      }
    });
    expect(writes).toBe(4); // journal, subscriber shard, outbox log, journal removal
    // Once the journal is durable (write 1) the whole unsubscribe happens, whatever comes next.
    expect(outcomes).toEqual([true, true, true, true, true]);
  });

  it("a subscribe and a seed survive a crash at any write", { timeout: 60_000 }, async () => {
    const template = await tempDir("pressroom-template-");
    dirs.push(template);
    await (await open(template)).close();
    const states: string[] = [];
    const writes = await crashMatrix(template, { scenario: "subscribe", now: NOW, email: "dan@example.org", topic: makeTopic("t-visas", "visas"), seedTopic: makeTopic("t-boats", "small boats") }, async (dir) => {
      const store = await open(dir);
      try {
        states.push((await store.subscriptions.get("dan@example.org"))?.topics.map((t) => t.id).join() ?? "none");
        await noLeftovers(dir);
      } finally {
        await store.close();
      }
    });
    expect(writes).toBe(2);
    expect(states).toEqual(["t-visas", "t-visas,t-boats", "t-visas,t-boats"]);
  });

  it("acks, then the compaction put off until the claims are given back (history moved out), are all or nothing, and count nothing twice", { timeout: 60_000 }, async () => {
    const template = await tempDir("pressroom-template-");
    dirs.push(template);
    const prep = await open(template);
    const all = Array.from({ length: 600 }, (_, i) => makeDelivery(`m${String(i).padStart(3, "0")}`, `user${i}@example.org`, iso(-10)));
    await prep.outbox.enqueue(all);
    const first = await prep.outbox.claimDue("w", 60_000, 100, at(0));
    await prep.outbox.ack(first.map((d) => ({ id: d.id, status: "sent" as const, sentAt: NOW })));
    await prep.close();
    const outcomes: number[] = [];
    const writes = await crashMatrix(template, { scenario: "ack-some", now: NOW, count: 200 }, async (dir) => {
      const store = await open(dir);
      try {
        const stats = await store.outbox.stats(at(0));
        expect(stats.sent + stats.pending).toBe(600);
        outcomes.push(stats.sent);
        expect(await store.outbox.enqueue(all)).toBe(0);
        expect((await store.outbox.get("m000"))?.status).toBe("sent");
        expect((await store.outbox.get("m599"))?.status).toBe("pending");
        // Finish the rest (another compaction) and count: every delivery sent once.
        await sendTheRestOnce(store, dir, 600);
      } finally {
        await store.close();
      }
    });
    // The ack's append, then (once the claims are given back) the compaction: history, done ids, the rewritten log.
    expect(writes).toBe(4);
    expect(outcomes).toEqual([300, 300, 300, 300, 300]);
  });

  it("a long send moves finished deliveries out as they pile up (history, done ids) without rewriting the log: all or nothing at any write, nothing counted twice", { timeout: 60_000 }, async () => {
    const template = await tempDir("pressroom-template-");
    dirs.push(template);
    const prep = await open(template);
    const all = Array.from({ length: 600 }, (_, i) => makeDelivery(`g${String(i).padStart(3, "0")}`, `user${i}@example.org`, iso(-10)));
    await prep.outbox.enqueue(all);
    await prep.close();
    const outcomes: number[] = [];
    const writes = await crashMatrix(template, { scenario: "ack-groups", now: NOW, count: 200, group: 50, finishedHeld: 50 }, async (dir) => {
      const store = await open(dir);
      try {
        const stats = await store.outbox.stats(at(0));
        expect(stats.sent + stats.pending).toBe(600);
        expect(stats.sent % 50).toBe(0);
        outcomes.push(stats.sent);
        expect(await store.outbox.enqueue(all)).toBe(0);
        if (stats.sent > 0) expect((await store.outbox.get("g000"))?.status).toBe("sent");
        expect((await store.outbox.get("g599"))?.status).toBe("pending");
        await sendTheRestOnce(store, dir, 600);
      } finally {
        await store.close();
      }
    });
    // Per group of 50: the ack's append, then the history and the done ids (the log stays); at the end the log is rewritten.
    expect(writes).toBe(4 * 3 + 1);
    expect(outcomes).toEqual([...outcomes].sort((a, b) => a - b));
    expect(outcomes[0]).toBe(50);
    expect(outcomes[outcomes.length - 1]).toBe(200);
  });

  it("a publish is all or nothing for its dirty marks and metadata, and a document's ETag always names its bytes", { timeout: 60_000 }, async () => {
    const template = await tempDir("pressroom-template-");
    dirs.push(template);
    const prep = await open(template);
    const v1 = (t: string) => `<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>${t}</title></feed>`;
    await prep.commit({ dirty: ["all", "topics/asylum", "archive/2023-10"] });
    await prep.feeds.publish([{ name: "all", xml: v1("All"), entries: 1 }], []);
    await prep.close();
    const renders = [{ name: "all", xml: v1("All releases"), entries: 2 }, { name: "topics/asylum", xml: v1("Asylum"), entries: 1 }, { name: "archive/2023-10", xml: v1("October 2023"), entries: 1 }];
    const outcomes: string[] = [];
    const writes = await crashMatrix(template, { scenario: "publish", now: NOW, renders, clean: ["all", "topics/asylum", "archive/2023-10"] }, async (dir) => {
      const store = await open(dir);
      try {
        const dirty = await store.feeds.dirty();
        const docs = await store.feeds.documents();
        expect([[], ["all", "archive/2023-10", "topics/asylum"]]).toContainEqual(dirty);
        // Published (marks cleared) means every document is there.
        if (dirty.length === 0) expect(docs).toEqual(["all", "archive/2023-10", "topics/asylum"]);
        for (const name of docs) {
          const doc = await store.feeds.get(name);
          expect(doc!.etag).toBe(`"${createHash("sha256").update(doc!.xml).digest("hex")}"`);
        }
        outcomes.push(dirty.length === 0 ? "published" : "dirty");
        // Rendering again (the marks say so) converges.
        if (dirty.length) {
          await store.feeds.publish(renders, dirty);
          expect(await store.feeds.dirty()).toEqual([]);
          expect((await store.feeds.get("all"))!.xml).toBe(v1("All releases"));
        }
        await noLeftovers(dir);
      } finally {
        await store.close();
      }
    });
    // 3 documents, then the journal, feeds.json, dirty-feeds.json, generation, the journal's removal.
    expect(writes).toBe(8);
    expect(outcomes).toEqual(["dirty", "dirty", "dirty", "published", "published", "published", "published", "published", "published"]);
  });
});
