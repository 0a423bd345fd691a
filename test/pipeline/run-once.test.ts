import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runOnce } from "../../src/pipeline/run-once.js";
import { openHarness, SAMPLE } from "../helpers/pipeline-harness.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import { describeEngines, type TestState } from "../helpers/state-engines.js";
import { parseAtom, validateAtom } from "../helpers/validate-atom.js";

const configFor = (path: string, extra: Record<string, unknown> = {}) => ({
  sources: [{ id: "sample", type: "dump", path }],
  feeds: { topics: [{ name: "facial-recognition", query: '"facial recognition"' }] },
  ...extra,
});

describeEngines("runOnce on the bundled sample", (engine) => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let state: TestState;
  beforeEach(async () => {
    ({ dir, cleanup } = await makeTempDir());
    state = await engine.fresh();
  });
  afterEach(async () => {
    await state.cleanup();
    await cleanup();
  });

  it("ingests 10 releases and writes valid feeds: all, per kind, per topic and the month archive", async () => {
    const h = await openHarness({ state, config: configFor(SAMPLE) });
    const run = await runOnce(h.deps);
    expect(run.ok).toBe(true);
    expect(run.sources[0]).toMatchObject({ sourceId: "sample", status: "ok", new: 10, revised: 0, unchanged: 0, baseline: true });
    expect(run.feedsWritten.map((f) => f.name).sort()).toEqual(["all", "archive/2023-10", "kinds/press-release", "topics/facial-recognition"]);
    for (const f of run.feedsWritten) await validateAtom(await h.feedXml(f.name));
    const all = await parseAtom(await h.feedXml("all"));
    expect(all.entries).toHaveLength(10);
    // Newest first; the two releases of 30 October come first (in either order).
    expect(all.entries.slice(0, 2).map((e) => e.title).sort()).toEqual(["Home Secretary joins forces with big tech to fight AI child sex abuse images", "Home Secretary’s speech on tackling AI-generated child sex abuse material"]);
    const published = all.entries.map((e) => e.published ?? "");
    expect(published).toEqual([...published].sort().reverse());
    expect(published[9]).toBe("2023-10-23T00:00:00+01:00");
    const topic = await parseAtom(await h.feedXml("topics/facial-recognition"));
    expect(topic.entries.map((e) => e.title).sort()).toEqual(["Action plan to tackle shoplifting launched", "Letter to police on AI enabled facial recognition searches", "Police urged to double AI-enabled facial recognition searches"]);
    await h.close();
  });

  it("changes nothing and rewrites no feed on a second run of the same input", async () => {
    let h = await openHarness({ state, config: configFor(SAMPLE) });
    await runOnce(h.deps);
    const before = await h.store.feeds.get("all");
    const generation = await h.store.generation();
    await h.close();
    h = await openHarness({ state, config: configFor(SAMPLE), now: "2026-11-29T11:00:00Z" });
    const run = await runOnce(h.deps);
    const after = await h.store.feeds.get("all");
    await h.close();
    expect(run.sources[0]).toMatchObject({ new: 0, revised: 0 });
    expect(run.feedsWritten).toEqual([]);
    expect(after).toEqual(before);
    expect(generation).toBeTruthy();
  });

  it("reports one revised release for a dump with one edited release, and bumps only its updated", async () => {
    let h = await openHarness({ state, config: configFor(SAMPLE) });
    await runOnce(h.deps);
    await h.close();
    const edited = join(dir, "edited.txt");
    const text = await readFile(SAMPLE, "utf8");
    await writeFile(edited, text.replace("Thank you very much to all of you for being here today.", "Thank you all for being here today."));
    h = await openHarness({ state, config: { ...configFor(SAMPLE), sources: [{ id: "edited", type: "dump", path: edited }] }, now: "2026-11-30T09:00:00Z" });
    const run = await runOnce(h.deps);
    const id = (await h.store.feeds.entries("all"))[0]!.id;
    const release = await h.store.releases.get(id);
    const xml = await h.feedXml("all");
    await h.close();
    expect(run.sources[0]).toMatchObject({ new: 0, revised: 1, unchanged: 9 });
    expect(release?.revisions).toHaveLength(2);
    const all = await parseAtom(xml);
    const updated = all.entries.filter((e) => e.updated === "2026-11-30T09:00:00.000Z");
    expect(updated.map((e) => e.id)).toEqual([id]);
    await validateAtom(xml);
  });

  it("marks only a broken source failed and keeps its stored releases", async () => {
    let h = await openHarness({ state, config: configFor(SAMPLE) });
    await runOnce(h.deps);
    await h.close();
    const broken = join(dir, "broken.txt");
    await writeFile(broken, "this is not a release dump\n");
    h = await openHarness({ state, config: { ...configFor(SAMPLE), sources: [{ id: "sample", type: "dump", path: SAMPLE }, { id: "broken", type: "dump", path: broken }] } });
    const run = await runOnce(h.deps);
    const sourceState = await h.store.sources.get("broken");
    const months = await h.store.releases.inMonth("2023-10");
    await h.close();
    expect(run.ok).toBe(false);
    expect(run.sources.find((s) => s.sourceId === "broken")).toMatchObject({ status: "failed" });
    expect(run.sources.find((s) => s.sourceId === "broken")?.error).toMatch(/broken\.txt.*no release/);
    expect(sourceState.consecutiveFailures).toBe(1);
    expect(months).toHaveLength(10);
  });

  it("takes a release added at the top of a known dump file as new, not as an edit of its neighbour", async () => {
    const file = join(dir, "inbox.txt");
    const text = await readFile(SAMPLE, "utf8");
    await writeFile(file, text);
    let h = await openHarness({ state, config: configFor(file) });
    await runOnce(h.deps);
    await h.close();
    const added = "  • PRESS RELEASE : Brand new asylum hotels plan [October 2023]\n\n    PRESS RELEASE : Brand new asylum hotels plan [October 2023]\n\n    The press release issued by the Home Office on 31 October 2023.\n\n    A new plan.\n\n";
    await writeFile(file, text.replace("Tag: Home Office\n\n", `Tag: Home Office\n\n${added}`));
    h = await openHarness({ state, config: configFor(file), now: "2026-11-30T10:00:00Z" });
    const run = await runOnce(h.deps);
    const entries = await h.store.feeds.entries("all");
    const releases = await h.store.releases.getMany(entries.map((e) => e.id));
    await h.close();
    expect(run.sources[0]).toMatchObject({ new: 1, revised: 0, unchanged: 10 });
    expect(releases).toHaveLength(11);
    expect(releases.every((r) => r.revisions.length === 1)).toBe(true);
  });

  it("keeps every release in the feeds when a run dies right after its commit, before rendering", async () => {
    let h = await openHarness({ state, config: configFor(SAMPLE) });
    const crashing = { ...h.deps, crashAt: (step: string) => { if (step === "after-commit") throw new Error("simulated crash after the commit"); } };
    await expect(runOnce(crashing)).rejects.toThrow(/simulated crash/);
    await h.close();
    h = await openHarness({ state, config: configFor(SAMPLE) });
    const run = await runOnce(h.deps);
    const xml = await h.feedXml("all");
    await h.close();
    // The commit took the source's cursor with its releases: the dump is not read again, and the
    // dirty marks it committed make this run render what the crashed one did not.
    expect(run.sources[0]).toMatchObject({ status: "not-modified", new: 0 });
    expect(run.feedsWritten.map((f) => f.name)).toContain("all");
    expect((await parseAtom(xml)).entries).toHaveLength(10);
  });
});
