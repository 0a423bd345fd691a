import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmod, mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/core/clock.js";
import { isPressroomError } from "../../src/core/errors.js";
import type { StateStore } from "../../src/core/ports.js";
import { openLowdbState, type LowdbStateOptions } from "../../src/store/lowdb/open-lowdb-state.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import { at, iso, makeDelivery, makeRelease, makeRun, makeSource, makeTopic, NOW } from "./contract/fixtures.js";
import { keyShardFile, SCHEMA_VERSION, titleShardFile } from "../../src/store/lowdb/layout.js";
import { buildEngine, enginePath, listFiles } from "./lowdb-support.js";

const clock = fixedClock(NOW);
const sha1 = (s: string) => createHash("sha1").update(s).digest("hex").slice(0, 2);

/** rel path → identity of its bytes on disk (a rewrite makes a new inode: temp + rename). */
async function fileIds(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const f of await listFiles(dir)) {
    const s = await stat(join(dir, f));
    out.set(f, `${s.ino}:${s.size}:${s.mtimeMs}`);
  }
  return out;
}
const changedFiles = (before: Map<string, string>, after: Map<string, string>) => [...after].filter(([f, id]) => before.get(f) !== id).map(([f]) => f).sort();

describe("lowdb state files", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const handles: StateStore[] = [];
  const open = async (options: Partial<LowdbStateOptions> = {}, at = dir) => {
    const store = await openLowdbState(at, { clock, lockWaitMs: 1_000, ...options });
    handles.push(store);
    return store;
  };
  beforeEach(async () => ({ dir, cleanup } = await makeTempDir("pressroom-lowdb-")));
  afterEach(async () => {
    for (const h of handles.splice(0)) await h.close().catch(() => {});
    await cleanup();
  });

  it("says where it is and which engine it is", async () => {
    const store = await open({}, join(dir, "state"));
    expect(store.engine).toBe("lowdb");
    expect(store.location).toBe(`state folder ${join(dir, "state")}`);
  });

  it("writes feeds as .atom files under feeds/, rewriting only changed bytes", async () => {
    const store = await open();
    const xml = '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Asylum</title></feed>';
    expect(await store.feeds.publish([{ name: "all", xml, entries: 0 }, { name: "topics/asylum", xml, entries: 0 }, { name: "archive/2023-10", xml, entries: 0 }], [])).toEqual(["all", "topics/asylum", "archive/2023-10"]);
    expect(await readFile(join(dir, "feeds/all.atom"), "utf8")).toBe(xml);
    expect(await readFile(join(dir, "feeds/topics/asylum.atom"), "utf8")).toBe(xml);
    expect(await readFile(join(dir, "feeds/archive/2023-10.atom"), "utf8")).toBe(xml);
    const before = await fileIds(dir);
    expect(await store.feeds.publish([{ name: "all", xml, entries: 0 }], [])).toEqual([]);
    expect(changedFiles(before, await fileIds(dir))).toEqual([]);
    await expect(store.feeds.publish([{ name: "../escape", xml, entries: 0 }], [])).rejects.toThrow(/not a feed name/);
  });

  it("a commit rewrites only the shards it touches", async () => {
    const store = await open();
    const many = Array.from({ length: 24 }, (_, i) => makeRelease(`Release number ${i}`, `20${10 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, "0")}-10`));
    await store.commit({ releases: many, placements: [{ feed: "all", entry: { id: many[0]!.id, date: many[0]!.date, updatedAt: many[0]!.updatedAt } }] });
    for (let i = 0; i < 100; i++) await store.subscriptions.addTopic(`user${i}@example.org`, makeTopic("t-asylum", "asylum"), "web");
    const before = await fileIds(dir);
    const one = makeRelease("Border security bill", "2024-03-05");
    await store.commit({ releases: [one] });
    const changed = changedFiles(before, await fileIds(dir));
    const expected = new Set(["releases/2024-03.json", "releases/months.json", "generation", "changes", titleShardFile("2024-03"), keyShardFile(`id:${one.id}`), keyShardFile(`url:${one.url}`)]);
    // A release's id and titles are indexed in its month's files; its URL in a hash shard.
    expect([...expected].filter((f) => f.includes("m-2024-03"))).toEqual(["titles/m-2024-03.json", "keys/m-2024-03.json"]);
    expect(new Set(changed)).toEqual(expected);

    const before2 = await fileIds(dir);
    await store.subscriptions.addTopic("new@example.org", makeTopic("t-boats", "small boats"), "web");
    expect(changedFiles(before2, await fileIds(dir))).toEqual(["changes", `subscriptions/${sha1("new@example.org")}.json`]);
    expect(await store.subscriptions.count()).toBe(101);
  });

  it("creates the folder 0700 and every state file 0600, the secret from its first byte", async () => {
    const state = join(dir, "state");
    const store = await open({}, state);
    const r = makeRelease("Police pay award", "2024-07-29");
    await store.commit({ releases: [r], placements: [{ feed: "all", entry: { id: r.id, date: r.date, updatedAt: r.updatedAt } }], dirty: ["all"], deliveries: [makeDelivery("d1", "ann@example.org", iso(-1))], source: makeSource("govuk") });
    await store.feeds.publish([{ name: "all", xml: "<feed/>", entries: 1 }], ["all"]);
    await store.subscriptions.addTopic("ann@example.org", makeTopic("t-asylum", "asylum"), "web");
    await store.subscriptions.putPending({ token: "tok", email: "bob@example.org", query: "visas", frequency: "daily", createdAt: NOW });
    await store.runs.record(makeRun(NOW, [{ id: "govuk", status: "ok", new: 1, revised: 0 }]));
    await store.secret();
    expect((await stat(state)).mode & 0o777).toBe(0o700);
    const files = await listFiles(state);
    expect(files).toContain("secret.key");
    expect(files).toContain("feeds/all.atom");
    for (const f of files) expect([f, (await stat(join(state, f))).mode & 0o777]).toEqual([f, 0o600]);
    for (const d of ["releases", "keys", "titles", "feeds", "feed-index", "queue", "subscriptions"]) expect([d, (await stat(join(state, d))).mode & 0o777]).toEqual([d, 0o700]);
  });

  it("reads a month's releases one by one: a corrupt one is reported, its month never rewritten", async () => {
    const store = await open();
    const a = makeRelease("Knife crime action plan", "2023-10-05");
    const b = makeRelease("Asylum hotels update", "2023-10-06");
    await store.commit({ releases: [a, b] });
    await store.close();
    const shard = join(dir, "releases/2023-10.json");
    // The frame is whole; one release's text is not JSON (a bare word where a value belongs).
    const text = (await readFile(shard, "utf8")).replace(`"title":${JSON.stringify(b.title)}`, '"title":broken');
    expect(text).toContain('"title":broken');
    await writeFile(shard, text);
    const again = await open();
    // The sound release of that month is read; the broken one is named as corrupt.
    expect((await again.releases.get(a.id))?.title).toBe(a.title);
    const error = await again.releases.get(b.id).catch((e: unknown) => e);
    expect(isPressroomError(error, "STATE_CORRUPT")).toBe(true);
    expect((error as Error).message).toContain(shard);
    // A commit adding to that month writes a piece beside the file and leaves the file as it was.
    const c = makeRelease("Another October release", "2023-10-20");
    await again.commit({ releases: [c] });
    expect(await readFile(shard, "utf8")).toBe(text);
    expect((await again.releases.get(c.id))?.title).toBe(c.title);
    // A commit that must write the month whole (a release dated into another month leaves it)
    // fails before writing anything, and leaves the file as it was.
    const moved = { ...a, date: "2023-11-01", updatedAt: "2023-11-01T10:00:00.000Z" };
    const commitError = await again.commit({ releases: [moved] }).catch((e: unknown) => e);
    expect(isPressroomError(commitError, "STATE_CORRUPT")).toBe(true);
    expect(await readFile(shard, "utf8")).toBe(text);
    expect((await again.releases.get(a.id))?.title).toBe(a.title);
    expect((await again.releases.get(a.id))?.date).toBe(a.date);
  });

  it("reports a corrupt file, never overwrites it, and keeps the rest working", async () => {
    const store = await open();
    const a = makeRelease("Knife crime action plan", "2023-10-05");
    await store.commit({ releases: [a], source: makeSource("govuk") });
    await store.close();
    const shard = join(dir, "releases/2023-10.json");
    const garbage = '{"releases": {"tag:x": {"title": "cut off';
    await writeFile(shard, garbage);
    const again = await open();
    const error = await again.releases.inMonth("2023-10").catch((e: unknown) => e);
    expect(isPressroomError(error, "STATE_CORRUPT")).toBe(true);
    expect((error as Error).message).toContain(shard);
    expect((error as Error).message).toContain("left untouched");
    // A commit that must write the corrupt month whole (its release dated into another month)
    // fails and leaves it byte-identical.
    const moved = { ...a, date: "2023-11-01", updatedAt: "2023-11-01T10:00:00.000Z" };
    const commitError = await again.commit({ releases: [moved] }).catch((e: unknown) => e);
    expect(isPressroomError(commitError, "STATE_CORRUPT")).toBe(true);
    expect(await readFile(shard, "utf8")).toBe(garbage);
    // Other parts still work.
    expect((await again.sources.get("govuk")).recentItemCounts).toEqual([12, 14]);
    await again.commit({ releases: [makeRelease("A November release", "2023-11-02")] });
    expect(await again.releases.months()).toEqual(["2023-10", "2023-11"]);
    expect(await readFile(shard, "utf8")).toBe(garbage);
    // A shard of the wrong shape is corrupt too.
    await writeFile(join(dir, "sources.json"), '{"sources": []}');
    await again.close();
    // Every top-level file is read at open: the command stops there, before it changes anything.
    await expect(open()).rejects.toThrow(/sources\.json is corrupt \("sources" should be object, found array\)/);
  });

  it("removes temp files and a journal that is not whole at open; re-applies a whole one", async () => {
    const store = await open();
    await store.commit({ releases: [makeRelease("Knife crime action plan", "2023-10-05")] });
    await store.close();
    await writeFile(join(dir, "releases/.2023-10.json.999.abcd.tmp"), "half");
    await writeFile(join(dir, ".journal.json.999.abcd.tmp"), "half a journal");
    // A journal whose checksum does not match (torn): that commit never happened.
    const body = JSON.stringify({ files: [{ path: "releases/2099-01.json", data: '{"releases":{}}' }, { path: "generation", data: "99" }] });
    await writeFile(join(dir, "journal.json"), `${"0".repeat(64)}\n${body}`);
    const again = await open();
    expect(await listFiles(dir)).not.toContain("releases/2099-01.json");
    expect(await again.generation()).toBe("1");
    const files = await listFiles(dir);
    expect(files.filter((f) => f.endsWith(".tmp") || f === "journal.json")).toEqual([]);
    await again.close();
    // A whole journal is applied.
    await writeFile(join(dir, "journal.json"), `${createHash("sha256").update(body).digest("hex")}\n${body}`);
    const third = await open();
    expect(await third.generation()).toBe("99");
    expect(await listFiles(dir)).toContain("releases/2099-01.json");
    expect(await listFiles(dir)).not.toContain("journal.json");
  });

  it("a commit that fails after its journal is durable is finished before the next write", async () => {
    const store = await open();
    await store.commit({ releases: [makeRelease("Knife crime action plan", "2023-10-05")] });
    // Make the last file of the next commit unwritable: a folder where `generation` goes.
    await rm(join(dir, "generation"));
    await mkdir(join(dir, "generation", "blocker"), { recursive: true });
    const r = makeRelease("Border security bill", "2024-03-05");
    const error = await store.commit({ releases: [r], deliveries: [makeDelivery("d1", "ann@example.org", iso(-1))] }).catch((e: unknown) => e);
    expect(isPressroomError(error, "STATE_IO")).toBe(true);
    expect(await listFiles(dir)).toContain("journal.json");
    await rm(join(dir, "generation"), { recursive: true });
    // The next write re-applies the whole failed commit first (the delivery too), then does its own.
    await store.sources.put(makeSource("govuk"));
    expect(await listFiles(dir)).not.toContain("journal.json");
    expect((await store.releases.get(r.id))?.title).toBe("Border security bill");
    expect((await store.outbox.pending()).map((d) => d.id)).toEqual(["d1"]);
    expect(await store.generation()).toBe("2");
    await store.close();
    const again = await open();
    expect(await again.releases.count()).toBe(2);
    expect((await again.outbox.pending()).map((d) => d.id)).toEqual(["d1"]);
  });

  it("cuts a torn last line off the outbox log", async () => {
    const store = await open();
    await store.outbox.enqueue([makeDelivery("a1", "ann@example.org", iso(-1))]);
    await store.close();
    await writeFile(join(dir, "queue/log.jsonl"), '{"op":"put","d":{"id":"half', { flag: "a" });
    const again = await open();
    expect((await again.outbox.pending()).map((d) => d.id)).toEqual(["a1"]);
    await again.outbox.enqueue([makeDelivery("b1", "bob@example.org", iso(-1))]);
    await again.close();
    const third = await open();
    expect((await third.outbox.pending()).map((d) => d.id)).toEqual(["a1", "b1"]);
  });

  it("a path under a regular file is a clear STATE_IO, not a raw ENOTDIR", async () => {
    await writeFile(join(dir, "a-file"), "x");
    const error = await openLowdbState(join(dir, "a-file", "state"), { clock }).catch((e: unknown) => e);
    expect(isPressroomError(error, "STATE_IO")).toBe(true);
    expect((error as Error).message).toMatch(/^store: cannot use the state folder .*a-file\/state: a part of that path is a file, not a folder; choose another folder with --state$/);
  });

  it("a state folder this user may not write is a sentence naming the folder, not a raw EACCES", { timeout: 120_000 }, async () => {
    const state = join(dir, "state");
    await mkdir(state, { mode: 0o755 });
    await writeFile(join(state, "meta.json"), JSON.stringify({ schemaVersion: SCHEMA_VERSION, createdAt: NOW }));
    await chmod(dir, 0o755);
    await chmod(state, 0o555);
    const expected = `store: cannot write to the state folder ${state} (permission denied): run Pressroom as the user that owns it, or choose another folder with --state`;
    if (process.getuid?.() !== 0) {
      const error = await openLowdbState(state, { clock }).catch((e: unknown) => e);
      expect(isPressroomError(error, "STATE_IO")).toBe(true);
      expect((error as Error).message).toBe(expected);
      return;
    }
    // Root ignores modes: open the folder from a child process running as nobody (uid 65534) instead.
    await buildEngine();
    const code = `const { openLowdbState } = await import(${JSON.stringify(enginePath())});
      try { await openLowdbState(${JSON.stringify(state)}, { clock: { now: () => new Date() } }); console.log("opened"); }
      catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`;
    const result = spawnSync(process.execPath, ["--input-type=module", "-e", code], { uid: 65534, gid: 65534, encoding: "utf8", cwd: "/" });
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout)).toEqual({ code: "STATE_IO", message: expected });
  });

  it("the bytes appended by acknowledging one delivery do not grow with 10,000 already sent", { timeout: 120_000 }, async () => {
    const outboxBytes = async (d: string) => {
      let total = 0;
      for (const f of await listFiles(join(d, "queue"))) total += (await stat(join(d, "queue", f))).size;
      return total;
    };
    const ackOne = async (store: StateStore, d: string) => {
      await store.outbox.enqueue([makeDelivery("the-one", "zed@example.org", iso(-1))]);
      const claimed = await store.outbox.claimDue("w", 60_000, 10, at(0));
      expect(claimed.map((c) => c.id)).toEqual(["the-one"]);
      const before = await outboxBytes(d);
      const logBefore = (await stat(join(d, "queue/log.jsonl"))).size;
      await store.outbox.ack([{ id: "the-one", status: "sent", sentAt: NOW }]);
      return { all: (await outboxBytes(d)) - before, log: (await stat(join(d, "queue/log.jsonl"))).size - logBefore };
    };
    const sendAll = async (store: StateStore, n: number) => {
      await store.outbox.enqueue(Array.from({ length: n }, (_, i) => makeDelivery(`old-${i}`, `user${i % 500}@example.org`, iso(-10))));
      for (;;) {
        const claimed = await store.outbox.claimDue("w", 60_000, 500, at(0));
        if (claimed.length === 0) break;
        await store.outbox.ack(claimed.map((c) => ({ id: c.id, status: "sent" as const, sentAt: NOW })));
      }
    };
    const small = await open();
    await sendAll(small, 1);
    const smallCost = await ackOne(small, dir);

    const { dir: dir2, cleanup: cleanup2 } = await makeTempDir("pressroom-lowdb-big-");
    try {
      const big = await open({}, dir2);
      await sendAll(big, 10_000);
      expect((await big.outbox.stats(at(0))).sent).toBe(10_000);
      const bigCost = await ackOne(big, dir2);
      expect(bigCost.log).toBe(smallCost.log);
      expect(bigCost.all).toBe(smallCost.all);
      expect(bigCost.log).toBeLessThan(300);
      // The hot log holds the live deliveries, not the history…
      expect((await stat(join(dir2, "queue/log.jsonl"))).size).toBeLessThan(100_000);
      // …and a delivery whose history moved out is still never queued again, after a reopen too.
      await big.close();
      const again = await open({}, dir2);
      expect(await again.outbox.enqueue([makeDelivery("old-7", "user7@example.org", iso(0))])).toBe(0);
      expect((await again.outbox.get("old-7"))?.status).toBe("sent");
      expect(await again.outbox.stats(at(0))).toMatchObject({ sent: 10_001, pending: 0 });
      await again.close();
    } finally {
      await cleanup2();
    }
  });
});
