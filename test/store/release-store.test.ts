import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/core/clock.js";
import { isPressroomError } from "../../src/core/errors.js";
import { canonicalId, contentHash } from "../../src/core/ids.js";
import type { Release, StoredRelease } from "../../src/core/release.js";
import { openStore } from "../../src/store/open-store.js";
import { makeTempDir } from "../helpers/temp-dir.js";

const clock = fixedClock("2026-11-29T10:00:00Z");

function stored(title: string, date: string, extra: Partial<StoredRelease> = {}): StoredRelease {
  const release: Release = { id: canonicalId("Home Office", date, title), title, kind: "press-release", department: "Home Office", date, summary: "s", body: [{ type: "paragraph", text: "b" }] };
  const hash = contentHash(release);
  return {
    ...release,
    firstSeenAt: "2026-11-29T10:00:00Z",
    updatedAt: "2026-11-29T10:00:00Z",
    hash,
    revisions: [{ hash, recordedAt: "2026-11-29T10:00:00Z", title, summary: "s", body: release.body }],
    provenance: [{ sourceId: "s", origin: "dump", firstSeenAt: "2026-11-29T10:00:00Z", lastHash: hash }],
    ...extra,
  };
}

describe("store", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await makeTempDir()));
  afterEach(async () => cleanup());

  it("finds a release by id, by URL, and by title within a day across a month boundary", async () => {
    const store = await openStore(dir, { clock });
    const a = stored("Police urged to double searches", "2023-10-31", { url: "https://www.gov.uk/government/news/police-urged" });
    await store.releases.put([a]);
    await store.close();

    const again = await openStore(dir, { clock });
    const byId = { release: { ...a }, sourceId: "x" };
    const byUrl = { release: { ...a, id: "tag:other,2023:x", title: "Different" }, sourceId: "x", url: "https://www.gov.uk/government/news/police-urged#2023-10-31" };
    const byTitle = { release: { ...a, id: "tag:other,2023:y", date: "2023-11-01", title: "Police urged to double searches" }, sourceId: "x" };
    const tooFar = { release: { ...a, url: undefined, id: "tag:other,2023:z", date: "2023-11-02" }, sourceId: "x" };
    const found = await again.releases.findExisting([byId, byUrl, byTitle, tooFar]);
    expect(found.map((f) => f?.id)).toEqual([a.id, a.id, a.id, undefined]);
    await again.close();
  });

  it("shards releases by month and the key index by hash", async () => {
    const store = await openStore(dir, { clock });
    await store.releases.put([stored("One", "2023-10-30"), stored("Two", "2023-11-02")]);
    expect(await store.releases.months()).toEqual(["2023-10", "2023-11"]);
    const oct = JSON.parse(await readFile(join(dir, "releases", "2023-10.json"), "utf8"));
    expect(Object.keys(oct.releases)).toHaveLength(1);
    await store.close();
  });

  it("reports a corrupt state file and never overwrites it", async () => {
    const store = await openStore(dir, { clock });
    await store.releases.put([stored("One", "2023-10-30")]);
    await store.close();
    const file = join(dir, "releases", "2023-10.json");
    await writeFile(file, '{"releases": {"tag:x": ');
    const again = await openStore(dir, { clock });
    const error = await again.releases.put([stored("Two", "2023-10-29")]).catch((e: unknown) => e);
    expect(isPressroomError(error, "STATE_CORRUPT")).toBe(true);
    expect((error as Error).message).toContain("2023-10.json");
    expect(await readFile(file, "utf8")).toBe('{"releases": {"tag:x": ');
    await again.close();
  });

  it("lets a second writer wait, then fails with a clear message when the wait runs out", async () => {
    const first = await openStore(dir, { clock, command: "pressroom run" });
    const error = await openStore(dir, { clock, lockWaitMs: 300 }).catch((e: unknown) => e);
    expect(isPressroomError(error, "STATE_LOCKED")).toBe(true);
    expect((error as Error).message).toMatch(/in use by another Pressroom process \(pid \d+, pressroom run/);
    const waiting = openStore(dir, { clock, lockWaitMs: 5_000 });
    setTimeout(() => void first.close(), 200);
    const second = await waiting;
    await second.close();
  });

  it("refuses state written by a newer schema", async () => {
    await writeFile(join(dir, "meta.json"), JSON.stringify({ schemaVersion: 99, createdAt: "x" }));
    const error = await openStore(dir, { clock }).catch((e: unknown) => e);
    expect(isPressroomError(error, "STATE_SCHEMA")).toBe(true);
  });

  it("keeps the newest N entries per feed and records dirty feeds durably", async () => {
    const store = await openStore(dir, { clock, feedEntries: 2 });
    const rs = [stored("A", "2023-10-01"), stored("B", "2023-10-03"), stored("C", "2023-10-02")];
    await store.feedIndex.markDirty(["all"]);
    await store.feedIndex.place(rs.map((release) => ({ feed: "all", release })));
    expect((await store.feedIndex.entries("all")).map((e) => e.date)).toEqual(["2023-10-03", "2023-10-02"]);
    await store.close();
    const again = await openStore(dir, { clock });
    expect(await again.feedIndex.dirty()).toEqual(["all"]);
    await again.feedIndex.clearDirty(["all"]);
    expect(await again.feedIndex.dirty()).toEqual([]);
    await again.close();
  });

  it.each([
    ["null", "holds null"],
    ["{}", undefined],
    ["[]", "expected an object, found array"],
    ['{"subscribers": [], "pending": {}}', '"subscribers" should be object, found array'],
  ])("treats a subscriptions file holding %s by its shape, never overwriting a bad one", async (content, problem) => {
    await writeFile(join(dir, "subscriptions.json"), content);
    const store = await openStore(dir, { clock });
    const result = await store.subscriptions.list().catch((e: unknown) => e);
    await store.close();
    if (problem === undefined) {
      expect(result).toEqual([]);
    } else {
      expect(isPressroomError(result, "STATE_CORRUPT")).toBe(true);
      expect((result as Error).message).toContain(problem);
      expect(await readFile(join(dir, "subscriptions.json"), "utf8")).toBe(content);
    }
  });
});

describe("pending subscriptions", () => {
  it("prunes pending confirmations older than the cut-off, keeping newer ones", async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const store = await openStore(dir, { clock });
      await store.subscriptions.putPending({ token: "old", email: "a@example.org", query: "q", frequency: "immediate", createdAt: "2026-11-01T00:00:00Z" });
      await store.subscriptions.putPending({ token: "new", email: "b@example.org", query: "q", frequency: "immediate", createdAt: "2026-11-28T00:00:00Z" });
      expect(await store.subscriptions.prunePending(new Date("2026-11-22T00:00:00Z"))).toBe(1);
      expect(await store.subscriptions.takePending("old")).toBeUndefined();
      expect((await store.subscriptions.takePending("new"))?.email).toBe("b@example.org");
      await store.close();
    } finally {
      await cleanup();
    }
  });
});
