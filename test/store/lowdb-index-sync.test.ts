import { createHash } from "node:crypto";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/core/clock.js";
import { storedKeys, titleKeysOf } from "../../src/core/identity.js";
import type { StateStore } from "../../src/core/ports.js";
import { bootId } from "../../src/store/lowdb/index-sync.js";
import { keyShardFile, titleShardFile } from "../../src/store/lowdb/layout.js";
import { openLowdbState } from "../../src/store/lowdb/open-lowdb-state.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import { makeRelease, NOW } from "./contract/fixtures.js";
import { listFiles } from "./lowdb-support.js";

/*
 * The key and title index is fsynced at close, not per write; `index-unsynced.json` marks the time
 * in between. A marker of another boot (the machine crashed) makes the next open rebuild the index
 * from the month files; a marker of this boot (the writer was killed) keeps it.
 */

const clock = fixedClock(NOW);
const shard = (key: string) => createHash("sha1").update(key).digest("hex").slice(0, 2);
const MARKER = "index-unsynced.json";

const releases = [
  makeRelease("Police urged to double stop and search", "2023-10-31", { sourceId: "govuk", sourceItemId: "govuk-123" }),
  makeRelease("New asylum accommodation sites announced", "2023-10-02", { earlierTitles: ["Asylum sites named"] }),
  makeRelease("Small boats week", "2023-11-01"),
];

async function reachable(store: StateStore): Promise<boolean> {
  for (const r of releases) {
    const hits = await store.releases.byKeys(storedKeys(r));
    if (hits.size !== storedKeys(r).length || [...hits.values()].some((h) => h.id !== r.id)) return false;
    for (const key of titleKeysOf(r)) {
      if (!(await store.releases.byTitleKeys([{ titleKey: key, from: r.date, to: r.date }]))[0]!.some((h) => h.id === r.id)) return false;
    }
  }
  return true;
}

describe("lowdb index sync", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const open = () => openLowdbState(dir, { clock, lockWaitMs: 1_000 });
  beforeEach(async () => ({ dir, cleanup } = await makeTempDir("pressroom-index-")));
  afterEach(async () => cleanup());

  it("marks the index unsynced from the first commit until close", async () => {
    const store = await open();
    await store.commit({ releases: [releases[0]!] });
    const marker = JSON.parse(await readFile(join(dir, MARKER), "utf8")) as { bootId?: string };
    expect(marker.bootId).toBe(await bootId());
    await store.commit({ releases: [releases[1]!] });
    await store.close();
    expect(await listFiles(dir)).not.toContain(MARKER);
  });

  it("a marker of another boot rebuilds the index from the month files: torn, missing and stale shards", async () => {
    const store = await open();
    await store.commit({ releases });
    await store.close();
    const idKey = `id:${releases[0]!.id}`;
    const title = titleKeysOf(releases[1]!)[0]!;
    // As a power loss may leave them: one shard torn, one lost, one with an entry for nothing.
    await writeFile(join(dir, keyShardFile(idKey)), '{"keys":{"id:tag');
    expect(await readFile(join(dir, titleShardFile("2023-10")), "utf8")).toContain(JSON.stringify(title));
    await rm(join(dir, titleShardFile("2023-10")));
    const stale = "id:tag:pressroom.invalid,2001-01-01:nobody/never";
    const staleFile = join(dir, keyShardFile(stale));
    const held = await readFile(staleFile, "utf8").then((t) => JSON.parse(t) as { keys: Record<string, unknown> }, () => ({ keys: {} as Record<string, unknown> }));
    held.keys[stale] = ["never", "2001-01"];
    await writeFile(staleFile, JSON.stringify(held));
    await writeFile(join(dir, MARKER), JSON.stringify({ bootId: "another-boot", since: NOW }));

    const reopened = await open();
    try {
      expect(await reachable(reopened)).toBe(true);
      expect((await reopened.releases.byKeys([stale])).size).toBe(0);
      expect(await reopened.releases.count()).toBe(3);
      expect(await listFiles(dir)).not.toContain(MARKER);
      expect(JSON.parse(await readFile(join(dir, keyShardFile(idKey)), "utf8")).keys[idKey]).toEqual([releases[0]!.id, "2023-10"]);
    } finally {
      await reopened.close();
    }
  });

  it("a marker of this boot (a killed writer) keeps the index as it is and syncs it", async () => {
    const store = await open();
    await store.commit({ releases });
    await store.close();
    const planted = "url:https://example.org/planted";
    const file = join(dir, "keys", `${shard(planted)}.json`);
    const doc = await readFile(file, "utf8").then((t) => JSON.parse(t) as { keys: Record<string, unknown> }, () => ({ keys: {} as Record<string, unknown> }));
    doc.keys[planted] = [releases[2]!.id, "2023-11"];
    await writeFile(file, JSON.stringify(doc));
    await writeFile(join(dir, MARKER), JSON.stringify({ bootId: await bootId(), since: NOW }));

    const reopened = await open();
    try {
      // Not rebuilt: the planted key (which no month file explains) is still there.
      expect((await reopened.releases.byKeys([planted])).get(planted)?.id).toBe(releases[2]!.id);
      expect(await reachable(reopened)).toBe(true);
      expect(await listFiles(dir)).not.toContain(MARKER);
    } finally {
      await reopened.close();
    }
  });
});
