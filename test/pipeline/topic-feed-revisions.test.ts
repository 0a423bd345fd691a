import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import type { StateCommit, StateStore } from "../../src/core/ports.js";
import { releaseIndexKeys } from "../../src/match/search-index.js";
import { runOnce } from "../../src/pipeline/run-once.js";
import { openHarness, SAMPLE } from "../helpers/pipeline-harness.js";
import { describeEngines, type TestState } from "../helpers/state-engines.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import { parseAtom, validateAtom } from "../helpers/validate-atom.js";

/*
 * A named topic feed lists the releases whose current text matches its query: a revision that no
 * longer matches leaves the feed (Atom has no deletion: the entry is simply no longer there), one
 * that newly matches joins it, both in the run that sees the revision.
 */

const TOPIC = "topics/facial-recognition";
const SHOPLIFTING = "Action plan to tackle shoplifting launched";
/** The only mention of the topic in the shoplifting release. */
const MENTION = "using facial recognition technology to further aid efforts";
const WITHOUT = "using image-matching technology to further aid efforts";
/** A sentence of a release that does not mention the topic. */
const SPEECH_LINE = "Thank you very much to all of you for being here today.";
const SPEECH = "Home Secretary’s speech on tackling AI-generated child sex abuse material";

const configFor = (path: string, feeds: Record<string, unknown> = {}) => ({
  sources: [{ id: "inbox", type: "dump", path }],
  feeds: { topics: [{ name: "facial-recognition", query: '"facial recognition"' }], ...feeds },
});

describeEngines("topic feeds follow revisions", (engine) => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let state: TestState;
  let file: string;
  let sample: string;
  beforeEach(async () => {
    ({ dir, cleanup } = await makeTempDir());
    state = await engine.fresh();
    file = join(dir, "inbox.txt");
    sample = await readFile(SAMPLE, "utf8");
    expect(sample.split(MENTION)).toHaveLength(2);
    expect(sample.split(SPEECH_LINE)).toHaveLength(2);
  });
  afterEach(async () => {
    await state.cleanup();
    await cleanup();
  });

  /** Runs the pipeline over `text` as the dump at `now`; returns the run and the topic and all feeds. */
  const runWith = async (text: string, now: string, feeds: Record<string, unknown> = {}, wrap: (store: StateStore) => StateStore = (store) => store) => {
    await writeFile(file, text);
    // With the search index, as the CLI opens a state.
    const h = await openHarness({ state, config: configFor(file, feeds), now, searchKeys: releaseIndexKeys });
    try {
      const run = await runOnce({ ...h.deps, store: wrap(h.store) });
      const topicXml = await h.feedXml(TOPIC);
      await validateAtom(topicXml);
      return {
        run,
        topic: await parseAtom(topicXml),
        all: await parseAtom(await h.feedXml("all")),
        index: (await h.store.feeds.entries(TOPIC)).length,
        dirty: await h.store.feeds.dirty(),
      };
    } finally {
      await h.close();
    }
  };

  it("drops a release from the topic feed in the run that sees a revision no longer matching it", async () => {
    const first = await runWith(sample, "2026-11-29T10:00:00Z");
    expect(first.topic.entries.map((e) => e.title)).toContain(SHOPLIFTING);
    const before = first.topic.entries.length;

    const second = await runWith(sample.replace(MENTION, WITHOUT), "2026-11-30T09:00:00Z");
    expect(second.run.sources[0]).toMatchObject({ revised: 1, unchanged: 9 });
    // The topic feed was rendered again in this run, without the release, and nothing is left dirty.
    expect(second.run.feedsWritten.map((f) => f.name)).toContain(TOPIC);
    expect(second.dirty).toEqual([]);
    expect(second.topic.entries.map((e) => e.title)).not.toContain(SHOPLIFTING);
    expect(second.topic.entries).toHaveLength(before - 1);
    expect(second.index).toBe(before - 1);
    // The all feed shows the new revision.
    const inAll = second.all.entries.find((e) => e.title === SHOPLIFTING);
    expect(inAll?.updated).toBe("2026-11-30T09:00:00.000Z");
    expect(inAll?.content ?? "").toContain("image-matching technology");
    expect(inAll?.content ?? "").not.toMatch(/facial recognition/i);
  });

  it("adds a release to the topic feed when a revision newly matches, and drops it again when the next does not", async () => {
    const first = await runWith(sample, "2026-11-29T10:00:00Z");
    expect(first.topic.entries.map((e) => e.title)).not.toContain(SPEECH);
    const before = first.topic.entries.length;

    const matching = sample.replace(SPEECH_LINE, "Thank you all for coming to talk about facial recognition today.");
    const second = await runWith(matching, "2026-11-30T09:00:00Z");
    expect(second.run.sources[0]).toMatchObject({ revised: 1 });
    expect(second.run.feedsWritten.map((f) => f.name)).toContain(TOPIC);
    const added = second.topic.entries.find((e) => e.title === SPEECH);
    expect(added?.updated).toBe("2026-11-30T09:00:00.000Z");
    expect(second.topic.entries).toHaveLength(before + 1);

    const third = await runWith(sample, "2026-12-01T09:00:00Z");
    expect(third.run.sources[0]).toMatchObject({ revised: 1 });
    expect(third.run.feedsWritten.map((f) => f.name)).toContain(TOPIC);
    expect(third.dirty).toEqual([]);
    expect(third.topic.entries.map((e) => e.title)).not.toContain(SPEECH);
    expect(third.topic.entries).toHaveLength(before);
  });

  it("gives the place a revision freed in a full topic feed to the newest match the feed no longer held", async () => {
    // Three releases match; the feed holds the newest two (29 October), not the shoplifting plan (23 October).
    const feeds = { entries: 2, topics: [{ name: "facial-recognition", query: '"facial recognition" -lighthouse' }] };
    const first = await runWith(sample, "2026-11-29T10:00:00Z", feeds);
    expect(first.topic.entries.map((e) => e.title).sort()).toEqual(["Letter to police on AI enabled facial recognition searches", "Police urged to double AI-enabled facial recognition searches"]);

    const edited = sample.replace("Looking further ahead, we have been working with industry", "Looking further ahead from the lighthouse, we have been working with industry");
    const second = await runWith(edited, "2026-11-30T09:00:00Z", feeds);
    expect(second.run.sources[0]).toMatchObject({ revised: 1 });
    expect(second.run.feedsWritten.map((f) => f.name)).toContain(TOPIC);
    expect(second.dirty).toEqual([]);
    expect(second.topic.entries.map((e) => e.title)).toEqual(["Police urged to double AI-enabled facial recognition searches", SHOPLIFTING]);
    expect(second.index).toBe(2);
  });

  it("refills in the commit that takes the release out: no failure after that commit can leave the feed short", async () => {
    const feeds = { entries: 2, topics: [{ name: "facial-recognition", query: '"facial recognition" -lighthouse' }] };
    await runWith(sample, "2026-11-29T10:00:00Z", feeds);
    const edited = sample.replace("Looking further ahead, we have been working with industry", "Looking further ahead from the lighthouse, we have been working with industry");
    // Once a commit carrying a removal is stored, every later commit of the run fails (a crash, a lost connection).
    const failingAfter = (store: StateStore): StateStore => {
      let removed = false;
      return Object.assign(Object.create(store) as StateStore, {
        commit: async (change: StateCommit) => {
          if (removed) throw new Error("connection lost (simulated) after the removal");
          const result = await store.commit(change);
          removed ||= (change.removals?.length ?? 0) > 0;
          return result;
        },
      });
    };
    const second = await runWith(edited, "2026-11-30T09:00:00Z", feeds, failingAfter);
    expect(second.run.sources[0]).toMatchObject({ revised: 1 });
    expect(second.topic.entries.map((e) => e.title)).toEqual(["Police urged to double AI-enabled facial recognition searches", SHOPLIFTING]);
    expect(second.index).toBe(2);
  });

  it("does not refill with a release another instance revised out of the topic between the refill's read and the commit", async () => {
    const feeds = { entries: 2, topics: [{ name: "facial-recognition", query: '"facial recognition" -lighthouse' }] };
    await runWith(sample, "2026-11-29T10:00:00Z", feeds);
    const edited = sample.replace("Looking further ahead, we have been working with industry", "Looking further ahead from the lighthouse, we have been working with industry");
    let revisedElsewhere = "";
    // Just before the commit carrying the refill, another instance commits a revision of the refill's
    // release that no longer matches, and takes it out of the topic feed (as its own run would).
    const racing = (store: StateStore): StateStore =>
      Object.assign(Object.create(store) as StateStore, {
        commit: async (change: StateCommit) => {
          const own = new Set((change.releases ?? []).map((r) => r.id));
          const refill = change.placements?.find((p) => p.feed === TOPIC && !own.has(p.entry.id));
          if (refill && !revisedElsewhere) {
            const [release] = await store.releases.getMany([refill.entry.id]);
            revisedElsewhere = release!.title;
            await store.commit({ releases: [{ ...release!, summary: `${release!.summary} (lighthouse)`, updatedAt: "2026-11-30T08:59:00.000Z" }], removals: [{ feed: TOPIC, id: release!.id }], dirty: [TOPIC] });
          }
          return store.commit(change);
        },
      });
    const second = await runWith(edited, "2026-11-30T09:00:00Z", feeds, racing);
    expect(revisedElsewhere).toBe(SHOPLIFTING);
    expect(second.run.sources[0]).toMatchObject({ revised: 1 });
    // The feed is one short (the other instance's own run would refill it), but holds nothing that no longer matches.
    expect(second.topic.entries.map((e) => e.title)).toEqual(["Police urged to double AI-enabled facial recognition searches"]);
    expect(second.index).toBe(1);
  });

  it("refills in the commit that takes the release out: when that commit fails, the next run does both", async () => {
    const feeds = { entries: 2, topics: [{ name: "facial-recognition", query: '"facial recognition" -lighthouse' }] };
    await runWith(sample, "2026-11-29T10:00:00Z", feeds);
    const edited = sample.replace("Looking further ahead, we have been working with industry", "Looking further ahead from the lighthouse, we have been working with industry");
    // The commit carrying the removal fails (a crash, a dropped connection): nothing of it is stored.
    const failing = (store: StateStore): StateStore =>
      Object.assign(Object.create(store) as StateStore, {
        commit: async (change: StateCommit) => {
          if (change.removals?.length) throw new Error("connection lost (simulated)");
          return store.commit(change);
        },
      });
    await expect(runWith(edited, "2026-11-30T09:00:00Z", feeds, failing)).rejects.toThrow("connection lost (simulated)");
    const again = await runWith(edited, "2026-11-30T09:15:00Z", feeds);
    expect(again.run.sources[0]).toMatchObject({ revised: 1 });
    expect(again.topic.entries.map((e) => e.title)).toEqual(["Police urged to double AI-enabled facial recognition searches", SHOPLIFTING]);
    expect(again.index).toBe(2);
  });

  it("takes a release out of a topic feed when a source's first sighting edits it (alerted as new, known from a baseline only)", async () => {
    const lines = sample.split("\n");
    const at = lines.findIndex((l) => l.startsWith("  • ") && l.includes(SHOPLIFTING));
    const withoutShoplifting = `${lines.slice(0, at).join("\n")}\n`;
    const runSources = async (files: Record<string, string>, now: string) => {
      const sources = [];
      for (const [id, text] of Object.entries(files)) {
        const path = join(dir, `${id}.txt`);
        await writeFile(path, text);
        sources.push({ id, type: "dump", path });
      }
      const h = await openHarness({ state, config: { sources, feeds: configFor(file).feeds }, now, searchKeys: releaseIndexKeys });
      try {
        const run = await runOnce(h.deps);
        const listed = await h.store.releases.getMany((await h.store.feeds.entries(TOPIC)).map((e) => e.id));
        return { run, titles: (await parseAtom(await h.feedXml(TOPIC))).entries.map((e) => e.title), listed };
      } finally {
        await h.close();
      }
    };
    // Both first reads are baselines: the shoplifting plan is known from `inbox` only.
    const first = await runSources({ inbox: sample, inbox2: withoutShoplifting }, "2026-11-29T10:00:00Z");
    expect(first.titles).toContain(SHOPLIFTING);
    // `inbox2`, established now, first sees the plan edited (no facial recognition): new to it, and applied.
    const second = await runSources({ inbox: sample, inbox2: sample.replace(MENTION, WITHOUT) }, "2026-11-30T09:00:00Z");
    expect(second.run.sources.find((r) => r.sourceId === "inbox2")).toMatchObject({ new: 1, revised: 0 });
    expect(second.titles).not.toContain(SHOPLIFTING);
    for (const r of second.listed) expect([r.title, /facial recognition/i.test(`${r.title} ${r.summary} ${r.body}`)]).toEqual([r.title, true]);
  });
});
