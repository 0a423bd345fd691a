import { afterEach, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import type { DirtyMark, FeedRender, StateStore } from "../../src/core/ports.js";
import { writeDirtyFeeds } from "../../src/pipeline/write-feeds.js";
import { describeEngines, type TestState } from "../helpers/state-engines.js";
import { cleanupRetrying, makeRelease } from "../store/contract/fixtures.js";

/** Six releases in each of three months, every feed they belong to marked dirty. */
async function seed(store: StateStore): Promise<string[]> {
  const releases = ["2023-08", "2023-09", "2023-10"].flatMap((month) => Array.from({ length: 6 }, (_, i) => makeRelease(`Release ${i} of ${month}`, `${month}-1${i}`)));
  const dirty = ["all", "kinds/press-release", "archive/2023-08", "archive/2023-09", "archive/2023-10"];
  await store.commit({ releases, placements: releases.flatMap((r) => ["all", "kinds/press-release"].map((feed) => ({ feed, entry: { id: r.id, date: r.date, updatedAt: r.updatedAt } }))), dirty });
  // In the store's order of dirty marks, which is the order they are rendered in.
  const order = await store.feeds.dirty();
  expect([...order].sort()).toEqual([...dirty].sort());
  return order;
}

/** The store, with each publish's document names recorded. */
function watched(store: StateStore): { store: StateStore; publishes: string[][] } {
  const publishes: string[][] = [];
  const feeds = Object.create(store.feeds) as StateStore["feeds"];
  feeds.publish = (renders: readonly FeedRender[], clean: readonly (string | DirtyMark)[]) => {
    publishes.push(renders.map((r) => r.name));
    return store.feeds.publish(renders, clean);
  };
  return { store: Object.assign(Object.create(store) as StateStore, { feeds }), publishes };
}

describeEngines("writing dirty feeds", (engine) => {
  let s: TestState | undefined;
  afterEach(async () => {
    if (s) await cleanupRetrying(s.cleanup);
    s = undefined;
  });
  const config = parseConfig({ sources: [], feeds: { topics: [] } });

  it("publishes once the documents rendered reach the size limit, and renders every dirty feed once", async () => {
    s = await engine.fresh();
    const dirty = await seed(s.store);
    const { store, publishes } = watched(s.store);
    const written = await writeDirtyFeeds(config, store, undefined, { feeds: 20, chars: 1 });
    // Each document is over one character: every publish holds one.
    expect(publishes).toEqual(dirty.map((name) => [name]));
    expect(written.map((w) => w.name).sort()).toEqual([...dirty].sort());
    expect(await s.store.feeds.dirty()).toEqual([]);
    expect((await s.store.feeds.get("archive/2023-09"))?.xml.match(/<entry>/g)).toHaveLength(6);
  });

  it("publishes at most the feed limit at once when documents are small, with the same documents", async () => {
    s = await engine.fresh();
    const dirty = await seed(s.store);
    const { store, publishes } = watched(s.store);
    await writeDirtyFeeds(config, store, undefined, { feeds: 2, chars: 1 << 30 });
    expect(publishes).toEqual([dirty.slice(0, 2), dirty.slice(2, 4), dirty.slice(4)]);
    const sizes = new Map<string, string | undefined>();
    for (const name of dirty) sizes.set(name, (await s.store.feeds.get(name))?.etag);
    // Rendering them again in one publish gives the same documents.
    await s.store.commit({ dirty });
    await writeDirtyFeeds(config, store, undefined, { feeds: 20, chars: 1 << 30 });
    expect(publishes.at(-1)).toEqual(dirty);
    for (const name of dirty) expect((await s.store.feeds.get(name))?.etag).toBe(sizes.get(name));
  });
});
