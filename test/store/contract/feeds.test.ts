import { afterEach, expect, it } from "vitest";
import { fixedClock } from "../../../src/core/clock.js";
import type { TestState } from "../../helpers/state-engines.js";
import { describeEngines } from "../../helpers/state-engines.js";
import { cleanupRetrying, makeRelease } from "./fixtures.js";

const entry = (id: string, date: string, updatedAt = `${date}T09:00:00Z`) => ({ id, date, updatedAt });

describeEngines("state contract: feeds", (engine) => {
  let s: TestState | undefined;
  afterEach(async () => {
    if (s) await cleanupRetrying(s.cleanup);
    s = undefined;
  });

  it("orders entries date desc, updatedAt desc, id asc and replaces a release's entry", async () => {
    s = await engine.fresh();
    const result = await s.store.commit({
      placements: [
        { feed: "all", entry: entry("c", "2023-10-30") },
        { feed: "all", entry: entry("a", "2023-10-31", "2023-10-31T08:00:00Z") },
        { feed: "all", entry: entry("b", "2023-10-31", "2023-10-31T08:00:00Z") },
        { feed: "all", entry: entry("d", "2023-10-31", "2023-10-31T12:00:00Z") },
        { feed: "kinds/speech", entry: entry("c", "2023-10-30") },
      ],
    });
    expect([...result.placedFeeds].sort()).toEqual(["all", "kinds/speech"]);
    expect((await s.store.feeds.entries("all")).map((e) => e.id)).toEqual(["d", "a", "b", "c"]);
    expect(await s.store.feeds.entries("kinds/speech")).toEqual([entry("c", "2023-10-30")]);

    // A revision moves "c" to the top: its entry is replaced, not duplicated.
    await s.store.commit({ placements: [{ feed: "all", entry: entry("c", "2023-11-01", "2023-11-01T10:00:00Z") }] });
    const all = await s.store.feeds.entries("all");
    expect(all.map((e) => e.id)).toEqual(["c", "d", "a", "b"]);
    expect(all[0]).toEqual(entry("c", "2023-11-01", "2023-11-01T10:00:00Z"));
    expect(await s.store.feeds.entries("topics/none")).toEqual([]);
  });

  it("takes out the entries of removals (a revision that left a topic), durably, and nothing else", async () => {
    s = await engine.fresh();
    await s.store.commit({
      placements: [entry("a", "2024-01-02"), entry("b", "2024-01-01")].flatMap((e) => ["all", "topics/asylum"].map((feed) => ({ feed, entry: e }))),
    });
    const result = await s.store.commit({
      removals: [{ feed: "topics/asylum", id: "a" }, { feed: "topics/asylum", id: "gone" }, { feed: "topics/never", id: "a" }],
      placements: [{ feed: "all", entry: entry("a", "2024-01-02", "2024-01-03T09:00:00Z") }],
      dirty: ["all", "topics/asylum"],
    });
    expect([...result.placedFeeds].sort()).toEqual(["all", "topics/asylum"]);
    // After a restart (lowdb: read back from its files).
    const store = await s.open();
    expect((await store.feeds.entries("topics/asylum")).map((e) => e.id)).toEqual(["b"]);
    expect((await store.feeds.entries("all")).map((e) => e.id)).toEqual(["a", "b"]);
    // A feed without an entry list is not created by a removal.
    expect(await store.feeds.has("topics/never")).toBe(false);
    expect(await store.feeds.dirty()).toEqual(["all", "topics/asylum"]);
    // Removing what a feed does not hold changes no list.
    expect((await store.commit({ removals: [{ feed: "topics/asylum", id: "a" }] })).placedFeeds).toEqual([]);
  });

  it("takes removals out before placing: a full feed keeps its oldest entry when one leaves and one joins", async () => {
    s = await engine.fresh({ feedEntries: 3 });
    await s.store.commit({ placements: ["01", "02", "03"].map((d) => ({ feed: "topics/asylum", entry: entry(`r${d}`, `2024-01-${d}`) })) });
    await s.store.commit({ removals: [{ feed: "topics/asylum", id: "r02" }], placements: [{ feed: "topics/asylum", entry: entry("r04", "2024-01-04") }] });
    expect((await (await s.open()).feeds.entries("topics/asylum")).map((e) => e.id)).toEqual(["r04", "r03", "r01"]);
  });

  it("places an entry marked ifCurrent only while its release is stored as the entry says (a refill read before another instance revised it)", async () => {
    s = await engine.fresh();
    const first = makeRelease("Asylum accommodation sites", "2024-03-01");
    await s.store.commit({ releases: [first] });
    const read = { id: first.id, date: first.date, updatedAt: first.updatedAt };
    // Another instance revises it (and takes it out of the topic feed) before the refill commits.
    const revised = { ...first, updatedAt: "2024-03-02T10:00:00.000Z" };
    await s.store.commit({ releases: [revised], removals: [{ feed: "topics/asylum", id: first.id }] });
    const stale = await s.store.commit({ placements: [{ feed: "topics/asylum", entry: read, ifCurrent: true }, { feed: "topics/asylum", entry: entry("plain", "2024-01-01") }] });
    expect((await s.store.feeds.entries("topics/asylum")).map((e) => e.id)).toEqual(["plain"]);
    expect(stale.placedFeeds).toEqual(["topics/asylum"]);
    // A release never stored is not placed on condition either; one as stored is.
    await s.store.commit({ placements: [{ feed: "topics/asylum", entry: entry("never-stored", "2024-05-01"), ifCurrent: true }] });
    await s.store.commit({ placements: [{ feed: "topics/asylum", entry: { ...read, updatedAt: revised.updatedAt }, ifCurrent: true }] });
    const store = await s.open();
    expect((await store.feeds.entries("topics/asylum")).map((e) => e.id)).toEqual([first.id, "plain"]);
    // The commit's own releases count as stored.
    const other = makeRelease("Fraud strategy", "2024-04-01");
    await store.commit({ releases: [other], placements: [{ feed: "topics/fraud", entry: { id: other.id, date: other.date, updatedAt: other.updatedAt }, ifCurrent: true }] });
    expect((await store.feeds.entries("topics/fraud")).map((e) => e.id)).toEqual([other.id]);
  });

  it("caps a feed at feedEntries, keeping the newest", async () => {
    s = await engine.fresh({ feedEntries: 3 });
    const placements = ["01", "02", "03", "04", "05"].map((d) => ({ feed: "all", entry: entry(`r${d}`, `2024-01-${d}`) }));
    await s.store.commit({ placements: placements.slice(0, 2) });
    await s.store.commit({ placements: placements.slice(2) });
    expect((await s.store.feeds.entries("all")).map((e) => e.id)).toEqual(["r05", "r04", "r03"]);
    await s.store.commit({ placements: [{ feed: "all", entry: entry("r00", "2023-12-31") }] });
    expect((await s.store.feeds.entries("all")).map((e) => e.id)).toEqual(["r05", "r04", "r03"]);
  });

  it("a release whose revised entry falls beyond the cap in a big batch leaves the feed", async () => {
    s = await engine.fresh({ feedEntries: 3 });
    await s.store.commit({ placements: [entry("old", "2024-02-01"), entry("x", "2024-01-01")].map((e) => ({ feed: "all", entry: e })) });
    // "old" is revised back to 2020, among ten newer entries: only the newest three stay.
    const batch = [entry("old", "2020-01-01"), ...Array.from({ length: 10 }, (_, i) => entry(`n${i}`, `2024-05-${String(i + 10)}`))];
    await s.store.commit({ placements: batch.map((e) => ({ feed: "all", entry: e })) });
    expect((await s.store.feeds.entries("all")).map((e) => e.id)).toEqual(["n9", "n8", "n7"]);
    // A big batch of old entries changes nothing.
    await s.store.commit({ placements: Array.from({ length: 10 }, (_, i) => ({ feed: "all", entry: entry(`o${i}`, `2019-01-${String(i + 10)}`) })) });
    expect((await s.store.feeds.entries("all")).map((e) => e.id)).toEqual(["n9", "n8", "n7"]);
  });

  it("caps at 50 entries by default", async () => {
    s = await engine.fresh();
    const placements = Array.from({ length: 60 }, (_, i) => ({ feed: "all", entry: entry(`r${String(i).padStart(2, "0")}`, `2024-03-${String((i % 28) + 1).padStart(2, "0")}`, `2024-03-01T${String(i % 24).padStart(2, "0")}:00:00Z`) }));
    await s.store.commit({ placements });
    const got = await s.store.feeds.entries("all");
    expect(got).toHaveLength(50);
    expect(got[0]!.date).toBe("2024-03-28");
    for (let i = 1; i < got.length; i++) {
      const [p, c] = [got[i - 1]!, got[i]!];
      expect(p.date > c.date || (p.date === c.date && (p.updatedAt > c.updatedAt || (p.updatedAt === c.updatedAt && p.id < c.id)))).toBe(true);
    }
  });

  it("lists feeds that exist, even empty ones from ensureFeeds", async () => {
    s = await engine.fresh();
    expect(await s.store.feeds.names()).toEqual([]);
    await s.store.commit({ ensureFeeds: ["topics/asylum", "all"], placements: [{ feed: "all", entry: entry("x", "2024-01-01") }] });
    expect(await s.store.feeds.names()).toEqual(["all", "topics/asylum"]);
    expect(await s.store.feeds.has("topics/asylum")).toBe(true);
    expect(await s.store.feeds.has("topics/knife-crime")).toBe(false);
    expect(await s.store.feeds.entries("topics/asylum")).toEqual([]);
    // ensureFeeds never empties an existing list.
    await s.store.commit({ ensureFeeds: ["all"] });
    expect((await s.store.feeds.entries("all")).map((e) => e.id)).toEqual(["x"]);
  });

  it("keeps dirty marks until published, and publish keeps unchanged bytes' etag and updated", async () => {
    const clock = fixedClock("2026-11-29T10:00:00Z");
    s = await engine.fresh({ clock });
    const r = makeRelease("Asylum hotels to close", "2024-01-10");
    await s.store.commit({ releases: [r], placements: [{ feed: "all", entry: { id: r.id, date: r.date, updatedAt: r.updatedAt } }], dirty: ["all", "archive/2024-01"] });
    expect(await s.store.feeds.dirty()).toEqual(["all", "archive/2024-01"]);
    await s.store.commit({ dirty: ["all"] });
    expect(await s.store.feeds.dirty()).toEqual(["all", "archive/2024-01"]);

    const v1 = '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>All</title></feed>';
    const changed = await s.store.feeds.publish([{ name: "all", xml: v1, entries: 1 }], ["all"]);
    expect(changed).toEqual(["all"]);
    expect(await s.store.feeds.dirty()).toEqual(["archive/2024-01"]);
    const doc = await s.store.feeds.get("all");
    expect(doc).toMatchObject({ name: "all", xml: v1, entries: 1, updated: "2026-11-29T10:00:00.000Z" });
    expect(doc!.etag).toMatch(/^"[0-9a-f]{40,64}"$/);
    expect(await s.store.feeds.documents()).toEqual(["all"]);
    expect(await s.store.feeds.get("kinds/speech")).toBeUndefined();

    clock.advance(60_000);
    expect(await s.store.feeds.publish([{ name: "all", xml: v1, entries: 1 }, { name: "archive/2024-01", xml: v1.replace("All", "January 2024"), entries: 1 }], ["archive/2024-01"])).toEqual(["archive/2024-01"]);
    expect(await s.store.feeds.get("all")).toEqual(doc);
    expect(await s.store.feeds.dirty()).toEqual([]);

    clock.advance(60_000);
    const v2 = v1.replace("All", "All releases");
    expect(await s.store.feeds.publish([{ name: "all", xml: v2, entries: 2 }], [])).toEqual(["all"]);
    const doc2 = await s.store.feeds.get("all");
    expect(doc2).toMatchObject({ xml: v2, entries: 2, updated: "2026-11-29T10:02:00.000Z" });
    expect(doc2!.etag).not.toBe(doc!.etag);
    expect(await s.store.feeds.documents()).toEqual(["all", "archive/2024-01"]);

    const again = await s.open({ clock });
    expect(await again.feeds.get("all")).toEqual(doc2);
    expect(await again.feeds.names()).toEqual(["all"]);
  });

  it("keeps a document published in pieces as the pieces joined: same bytes, same ETag, and the whole text after it is no change", async () => {
    const clock = fixedClock("2026-11-29T10:00:00Z");
    s = await engine.fresh({ clock });
    // Pieces as the renderer hands them over, one with characters of two, three and four bytes.
    const pieces = ['<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Archive</title>', "<entry><title>Home Secretary’s speech — £5m 😀</title></entry>", "</feed>"];
    const whole = pieces.join("");
    expect(await s.store.feeds.publish([{ name: "archive/2024-01", xml: pieces, entries: 1 }], [])).toEqual(["archive/2024-01"]);
    const doc = await s.store.feeds.get("archive/2024-01");
    expect(doc).toMatchObject({ xml: whole, entries: 1 });
    clock.advance(60_000);
    expect(await s.store.feeds.publish([{ name: "archive/2024-01", xml: whole, entries: 1 }], [])).toEqual([]);
    expect(await s.store.feeds.get("archive/2024-01")).toEqual(doc);
    expect((await (await s.open({ clock })).feeds.get("archive/2024-01"))?.xml).toBe(whole);
  });

  it("generation changes after a commit and after a publish that changes bytes", async () => {
    s = await engine.fresh();
    const g0 = await s.store.generation();
    await s.store.commit({ releases: [makeRelease("Passport fees", "2024-04-01")] });
    const g1 = await s.store.generation();
    expect(g1).not.toBe(g0);
    expect(await s.store.generation()).toBe(g1);
    await s.store.feeds.publish([{ name: "all", xml: "<feed/>", entries: 0 }], []);
    const g2 = await s.store.generation();
    expect(g2).not.toBe(g1);
  });
});
