import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { fixedClock } from "../../src/core/clock.js";
import type { DirtyMark, FeedRender, StateStore } from "../../src/core/ports.js";
import type { StoredRelease } from "../../src/core/release.js";
import { writeDirtyFeeds } from "../../src/pipeline/write-feeds.js";
import { stateEngines, type TestState } from "../helpers/state-engines.js";
import { parseAtom } from "../helpers/validate-atom.js";

/*
 * Several instances on one PostgreSQL state: an instance renders the dirty feeds from what it reads,
 * then publishes. Another instance's commit may land in between. Its mark (a no-op on a mark already
 * there) used to be cleared by the publish, and the feed never showed its release; or, when that
 * instance rendered and published first, the older render overwrote its newer document.
 */
function release(n: number, date: string): StoredRelease {
  const at = `${date}T09:00:00.000Z`;
  const title = `Release number ${n}`;
  return {
    id: `home-office-${date}-release-number-${n}`,
    title,
    kind: "press-release",
    department: "Home Office",
    date,
    publishedAt: at,
    summary: `Summary ${n}`,
    body: [{ type: "paragraph", text: `Body ${n}` }],
    url: `https://www.gov.uk/government/news/release-${n}`,
    firstSeenAt: at,
    updatedAt: at,
    hash: `hash${n}`,
    revisions: [{ hash: `hash${n}`, recordedAt: at, title, summary: `Summary ${n}`, body: [{ type: "paragraph", text: `Body ${n}` }] }],
    provenance: [{ sourceId: "s", origin: "s", firstSeenAt: at, lastHash: `hash${n}` }],
  } as unknown as StoredRelease;
}
const commitOf = (r: StoredRelease) => ({
  releases: [r],
  placements: ["all", "kinds/press-release"].map((feed) => ({ feed, entry: { id: r.id, date: r.date, updatedAt: r.updatedAt } })),
  dirty: ["all", "kinds/press-release", `archive/${r.date.slice(0, 7)}`],
});

const pg = stateEngines().find((e) => e.name === "postgres");
/** `store` whose next publish waits for `meanwhile` (another instance's work) first. */
function publishingAfter(store: StateStore, meanwhile: () => Promise<void>): StateStore {
  let raced = false;
  const feeds = Object.create(store.feeds) as StateStore["feeds"];
  feeds.publish = async (renders: readonly FeedRender[], clean: readonly (string | DirtyMark)[]) => {
    if (!raced) {
      raced = true;
      await meanwhile();
    }
    return store.feeds.publish(renders, clean);
  };
  return Object.assign(Object.create(store) as StateStore, { feeds });
}

(pg ? describe : describe.skip)("two instances rendering feeds on one PostgreSQL state", () => {
  let state: TestState;
  beforeEach(async () => {
    state = await pg!.fresh();
  });
  afterEach(async () => {
    await state.cleanup();
  });

  const config = parseConfig({ sources: [{ id: "s", type: "dump", path: "/nonexistent" }] });
  const clock = fixedClock("2026-11-29T10:00:00Z");
  const titles = async (store: StateStore, feed: string) => (await parseAtom((await store.feeds.get(feed))!.xml)).entries.map((e) => e.title);

  it("keeps a feed dirty when another instance's commit lands between its render and its publish", async () => {
    const a = await state.open({ clock });
    const b = await state.open({ clock });
    await a.commit(commitOf(release(1, "2026-11-01")));
    // B commits release 2 after A read "all" and before A publishes.
    await writeDirtyFeeds(config, publishingAfter(a, async () => void (await b.commit(commitOf(release(2, "2026-11-02"))))));
    expect(await a.feeds.dirty()).toContain("all");
    // B renders what is dirty after its commit, as its run does.
    await writeDirtyFeeds(config, b);
    expect(await titles(a, "all")).toEqual(["Release number 2", "Release number 1"]);
    expect(await a.feeds.dirty()).toEqual([]);
    await a.close();
    await b.close();
  });

  it("does not store an older render over the document another instance published meanwhile", async () => {
    const a = await state.open({ clock });
    const b = await state.open({ clock });
    await a.commit(commitOf(release(1, "2026-11-01")));
    // B commits release 2 and publishes its feeds after A rendered "all" and before A publishes.
    await writeDirtyFeeds(config, publishingAfter(a, async () => {
      await b.commit(commitOf(release(2, "2026-11-02")));
      await writeDirtyFeeds(config, b);
    }));
    expect(await titles(a, "all")).toEqual(["Release number 2", "Release number 1"]);
    expect(await a.feeds.dirty()).toEqual([]);
    await a.close();
    await b.close();
  });
});
