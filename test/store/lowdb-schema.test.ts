import type { ReleaseStore } from "../../src/core/ports.js";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/core/clock.js";
import { titleKey } from "../../src/core/ids.js";
import { storedKeys, titleKeysOf } from "../../src/core/identity.js";
import { openLowdbState } from "../../src/store/lowdb/open-lowdb-state.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import { at, iso, makeDelivery, makeRelease, makeRun, makeSource, makeTopic, NOW } from "./contract/fixtures.js";
import { SCHEMA_VERSION } from "../../src/store/lowdb/layout.js";
import { listFiles } from "./lowdb-support.js";

/** One title lookup through the batched port method. */
const byTitle = async (releases: ReleaseStore, titleKey: string, from: string, to: string) => (await releases.byTitleKeys([{ titleKey, from, to }]))[0]!;

const clock = fixedClock(NOW);

/** A state folder as Pressroom wrote it with schema 1 (src/store/open-store.ts and its repos before issue 8). */
async function writeSchema1(dir: string) {
  const a = makeRelease("Police urged to double stop and search", "2023-10-31", { sourceId: "govuk", sourceItemId: "govuk-123" });
  const b = makeRelease("Asylum backlog cleared", "2023-11-02", { earlierTitles: ["Legacy asylum backlog cleared"] });
  const pending = makeDelivery("d-pending", "ann@example.org", iso(-1));
  const sent = makeDelivery("d-sent", "ann@example.org", iso(-60), ["t-asylum"], { status: "sent", sentAt: iso(-59) });
  const ann = { email: "ann@example.org", topics: [makeTopic("t-asylum", "asylum")], createdAt: NOW, origin: "config" };
  const run = makeRun("2026-11-29T08:00:00.000Z", [{ id: "govuk", status: "ok", new: 2, revised: 0 }]);
  const files: Record<string, unknown> = {
    "meta.json": { schemaVersion: 1, createdAt: "2026-01-01T00:00:00.000Z" },
    "releases/2023-10.json": { releases: { [a.id]: a } },
    "releases/2023-11.json": { releases: { [b.id]: b } },
    "index/3f.json": { keys: { [`id:${a.id}`]: [a.id, "2023-10"] } },
    "feed-index.json": { feeds: { all: [{ id: b.id, date: b.date, updatedAt: b.updatedAt }, { id: a.id, date: a.date, updatedAt: a.updatedAt }], "topics/asylum": [] }, dirty: ["all"] },
    "outbox.json": { deliveries: { [pending.id]: pending, [sent.id]: sent } },
    "subscriptions.json": { subscribers: { [ann.email]: ann }, pending: { tok: { token: "tok", email: "bob@example.org", query: "visas", frequency: "daily", createdAt: NOW } }, seeded: { [ann.email]: ["t-asylum", "t-gone"] } },
    "sources.json": { sources: { govuk: makeSource("govuk") } },
    "runs.json": { last: run, recent: [run], totals: { runs: 1, releasesNew: 2, releasesRevised: 0, sourceFailures: 0, deliveriesSent: 1, deliveriesFailed: 0, runSecondsTotal: 1.5 } },
  };
  for (const [rel, data] of Object.entries(files)) {
    await mkdir(join(dir, rel, ".."), { recursive: true });
    await writeFile(join(dir, rel), JSON.stringify(data));
  }
  await writeFile(join(dir, "secret.key"), "0123456789abcdef0123456789abcdef\n");
  await writeFile(join(dir, "state.lock"), "");
  await writeFile(join(dir, "state.lock.owner.json"), JSON.stringify({ pid: 1, command: "pressroom run", since: NOW }));
  return { a, b, run };
}

describe("lowdb schema", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await makeTempDir("pressroom-lowdb-schema-")));
  afterEach(async () => cleanup());

  it("migrates a schema 1 folder in place at open", async () => {
    const { a, b, run } = await writeSchema1(dir);
    const store = await openLowdbState(dir, { clock });
    try {
      expect(JSON.parse(await readFile(join(dir, "meta.json"), "utf8"))).toMatchObject({ schemaVersion: SCHEMA_VERSION });
      const files = await listFiles(dir);
      for (const gone of ["feed-index.json", "outbox.json", "subscriptions.json", "index/3f.json", "state.lock.owner.json"]) expect(files).not.toContain(gone);
      expect(existsSync(join(dir, "index"))).toBe(false);

      expect(await store.releases.count()).toBe(2);
      expect(await store.releases.months()).toEqual(["2023-10", "2023-11"]);
      expect(await store.releases.get(a.id)).toEqual(a);
      expect((await store.releases.byKeys(["item:govuk|govuk-123"])).get("item:govuk|govuk-123")?.id).toBe(a.id);
      expect((await byTitle(store.releases, titleKey("Legacy asylum backlog cleared"), "2023-11-01", "2023-11-03")).map((r) => r.id)).toEqual([b.id]);

      expect((await store.feeds.entries("all")).map((e) => e.id)).toEqual([b.id, a.id]);
      expect(await store.feeds.names()).toEqual(["all", "topics/asylum"]);
      expect(await store.feeds.dirty()).toEqual(["all"]);

      expect((await store.outbox.pending()).map((d) => d.id)).toEqual(["d-pending"]);
      expect(await store.outbox.stats(at(0))).toMatchObject({ pending: 1, sent: 1 });
      expect(await store.outbox.enqueue([makeDelivery("d-sent", "ann@example.org", iso(0))])).toBe(0);

      expect((await store.subscriptions.get("ann@example.org"))?.topics.map((t) => t.id)).toEqual(["t-asylum"]);
      expect(await store.subscriptions.seed("ann@example.org", [makeTopic("t-gone", "gone")])).toBe(0);
      expect(await store.subscriptions.takePending("tok")).toMatchObject({ email: "bob@example.org" });

      expect((await store.sources.get("govuk")).cursor).toEqual({ etag: '"govuk-1"' });
      expect(await store.runs.last()).toEqual(run);
      expect((await store.runs.totals()).runs).toBe(1);
      expect(await store.secret()).toBe("0123456789abcdef0123456789abcdef");
    } finally {
      await store.close();
    }
    // And it stays schema 2: a second open migrates nothing.
    const again = await openLowdbState(dir, { clock });
    expect(await again.releases.count()).toBe(2);
    await again.close();
  });

  it("opens a schema 2 folder, whose releases are written whole, and moves it to the current schema without rewriting them", async () => {
    const old = makeRelease("Police urged to double stop and search", "2023-10-31", { earlierTitles: ["Police urged to stop and search"] });
    const first = await openLowdbState(dir, { clock });
    await first.commit({ releases: [old] });
    await first.close();
    // As schema 2 wrote them: every revision whole.
    const month = join(dir, "releases/2023-10.json");
    await writeFile(month, JSON.stringify({ releases: { [old.id]: old } }));
    await writeFile(join(dir, "meta.json"), JSON.stringify({ schemaVersion: 2, createdAt: NOW }));

    const store = await openLowdbState(dir, { clock });
    try {
      expect(JSON.parse(await readFile(join(dir, "meta.json"), "utf8"))).toEqual({ schemaVersion: SCHEMA_VERSION, createdAt: NOW });
      expect(SCHEMA_VERSION).toBe(5);
      expect(await store.releases.get(old.id)).toEqual(old);
      expect((await byTitle(store.releases, titleKey("Police urged to stop and search"), "2023-10-30", "2023-11-01")).map((r) => r.id)).toEqual([old.id]);
      // A new release of that month is written in the shorter form, in a piece beside the month
      // file; the old one keeps its text as it was.
      const before = await readFile(month, "utf8");
      const other = makeRelease("Knife crime crackdown", "2023-10-02");
      await store.commit({ releases: [other] });
      const piece = await readFile(join(dir, "releases/2023-10.1.json"), "utf8");
      expect(piece.split('"current":true').length - 1).toBe(1);
      expect(piece).toContain(JSON.stringify(other.id));
      expect(await readFile(month, "utf8")).toBe(before);
      expect(before).toContain(JSON.stringify(old));
      expect((await store.releases.inMonth("2023-10")).map((r) => r.id).sort()).toEqual([old.id, other.id].sort());
    } finally {
      await store.close();
    }
    const again = await openLowdbState(dir, { clock, mode: "shared" });
    expect(await again.releases.get(old.id)).toEqual(old);
    await again.close();
  });

  it("moves a schema 3 folder's key and title index (256 hash shards each) to files by month, once", async () => {
    const a = makeRelease("Police urged to double stop and search", "2023-10-31", { earlierTitles: ["Police urged to stop and search"] });
    const b = makeRelease("Asylum backlog cleared", "2023-11-02");
    const first = await openLowdbState(dir, { clock });
    await first.commit({ releases: [a, b] });
    await first.close();
    // As schema 3 kept it: every key and title in a SHA-1 shard.
    const sha = (key: string) => createHash("sha1").update(key).digest("hex").slice(0, 2);
    for (const f of await listFiles(dir)) if (/^(keys|titles)\//.test(f)) await rm(join(dir, f));
    for (const r of [a, b]) {
      const month = r.date.slice(0, 7);
      for (const key of storedKeys(r)) await writeFile(join(dir, `keys/${sha(key)}.json`), JSON.stringify({ keys: { [key]: [r.id, month] } }));
      for (const key of titleKeysOf(r)) await writeFile(join(dir, `titles/${sha(key)}.json`), JSON.stringify({ titles: { [key]: [[r.id, month, r.date]] } }));
    }
    await writeFile(join(dir, "meta.json"), JSON.stringify({ schemaVersion: 3, createdAt: NOW }));

    const store = await openLowdbState(dir, { clock });
    try {
      expect(JSON.parse(await readFile(join(dir, "meta.json"), "utf8")).schemaVersion).toBe(SCHEMA_VERSION);
      const index = (await listFiles(dir)).filter((f) => /^(keys|titles)\//.test(f)).sort();
      // Ids and titles by month; the URLs (no month in them) in hash shards; no other shard left.
      expect(index).toEqual([...new Set(["keys/m-2023-10.json", "keys/m-2023-11.json", ...[a, b].map((r) => `keys/${sha(`url:${r.url}`)}.json`), "titles/m-2023-10.json", "titles/m-2023-11.json"])].sort());
      for (const r of [a, b]) {
        expect([...(await store.releases.byKeys(storedKeys(r))).values()].map((h) => h.id)).toEqual(storedKeys(r).map(() => r.id));
        for (const key of titleKeysOf(r)) expect((await byTitle(store.releases, key, r.date, r.date)).map((h) => h.id)).toEqual([r.id]);
      }
      expect((await byTitle(store.releases, titleKey("Police urged to stop and search"), "2023-10-30", "2023-11-02")).map((h) => h.id)).toEqual([a.id]);
    } finally {
      await store.close();
    }
  });
});
