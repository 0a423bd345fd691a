import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, expect, it } from "vitest";
import { runOnce } from "../../src/pipeline/run-once.js";
import { startFixtureServer, type FixtureServer } from "../helpers/fixture-server.js";
import { findExisting } from "../../src/core/identity.js";
import type { StateStore } from "../../src/core/ports.js";
import { openHarness } from "../helpers/pipeline-harness.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import { describeEngines, type TestState } from "../helpers/state-engines.js";

const root = fileURLToPath(new URL("../fixtures/live/", import.meta.url));
const KNIFE = "https://www.gov.uk/government/news/new-measures-to-tackle-knife-crime";
const CONTENT = {
  "/government/news/new-measures-to-tackle-knife-crime": "new-measures-to-tackle-knife-crime",
  "/government/speeches/home-secretary-speech-to-the-police-federation": "home-secretary-speech-to-the-police-federation",
  "/government/news/border-force-seizes-record-haul-at-dover": "border-force-seizes-record-haul-at-dover",
};

/** The stored release at a canonical URL, looked up the way the pipeline does. */
async function storedByUrl(store: StateStore, url: string) {
  const probe = { id: "tag:probe,2024:x", title: "probe", kind: "x", department: "x", date: "2024-04-01", summary: "", body: [] };
  return (await findExisting(store.releases, [{ release: probe, sourceId: "probe", url }]))[0];
}

describeEngines("one release, many live sources", (engine) => {
  let state: TestState;
  let server: FixtureServer;
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, cleanup } = await makeTempDir());
    state = await engine.fresh();
    server = await startFixtureServer({ root });
    server.route("/government/organisations/home-office.atom", { file: "govuk-organisation-home-office.atom", etag: '"org-1"' });
    server.route("/search/news-and-communications.atom", { file: "govuk-finder-news-home-office.atom" });
    server.route("/api/search.json", { file: "govuk-search-home-office.json" });
    for (const [link, slug] of Object.entries(CONTENT)) server.route(`/api/content${link}`, { file: `govuk-content-${slug}.json` });
    server.route("/broken.atom", { status: 500, body: "oops" });
  });
  afterEach(async () => {
    await server.close();
    await state.cleanup();
    await cleanup();
  });

  const sources = () => [
    { id: "govuk-org", type: "feed", url: server.url("/government/organisations/home-office.atom") },
    { id: "govuk-finder", type: "feed", url: server.url("/search/news-and-communications.atom?organisations[]=home-office") },
    { id: "govuk-api", type: "govuk-search", url: server.origin, rateLimit: 10 },
    { id: "broken", type: "feed", url: server.url("/broken.atom") },
  ];

  it("keeps one release per GOV.UK page with a provenance record per source; a failing source fails alone", async () => {
    const h = await openHarness({ state, config: { sources: sources(), feeds: { topics: [] } } });
    const run = await runOnce(h.deps);
    const all = await h.store.feeds.entries("all");
    const releases = await h.store.releases.getMany(all.map((e) => e.id));
    const broken = await h.store.sources.get("broken");
    await h.close();

    expect(run.ok).toBe(false);
    expect(run.sources.find((s) => s.sourceId === "broken")).toMatchObject({ status: "failed" });
    expect(run.sources.find((s) => s.sourceId === "broken")?.error).toMatch(/500/);
    expect(broken.consecutiveFailures).toBe(1);

    const knife = releases.filter((r) => r.url === KNIFE);
    expect(knife).toHaveLength(1);
    expect(knife[0]!.provenance.map((p) => p.sourceId).sort()).toEqual(["govuk-api", "govuk-finder", "govuk-org"]);
    expect(knife[0]!.date).toBe("2024-04-01"); // 00:01 BST on 1 April is 31 March in UTC, 1 April to people
    expect(knife[0]!.title).toBe("New measures to tackle knife crime");
    const urls = releases.map((r) => r.url);
    expect(new Set(urls).size).toBe(urls.length);
    expect(releases.some((r) => /guidance|Transparency|Policy paper/i.test(r.title + r.kind))).toBe(false);
  });

  it("treats a GOV.UK edit (new entry id and text for the same URL) as a revision, never a new release", async () => {
    let h = await openHarness({ state, config: { sources: sources().slice(0, 1), feeds: { topics: [] } } });
    await runOnce(h.deps);
    await h.close();
    const edited = readFileSync(`${root}govuk-organisation-home-office.atom`, "utf8")
      .replace(`${KNIFE}#2024-04-01T00:01:00+01:00`, `${KNIFE}#2024-04-03T09:00:00+01:00`)
      .replace(/<updated>2024-04-01T00:01:00\+01:00<\/updated>/, "<updated>2024-04-03T09:00:00+01:00</updated>")
      .replace("Tougher sentences", "Much tougher sentences");
    server.route("/government/organisations/home-office.atom", { body: edited, contentType: "application/atom+xml", etag: '"org-2"' });
    h = await openHarness({ state, config: { sources: sources().slice(0, 1), feeds: { topics: [] } }, now: "2026-11-30T10:00:00Z" });
    const run = await runOnce(h.deps);
    const knife = await storedByUrl(h.store, KNIFE);
    await h.close();
    expect(run.sources[0]).toMatchObject({ new: 0, revised: 1 });
    expect(knife?.revisions).toHaveLength(2);
  });

  it("takes a new organisation-feed id for the same URL as a revision even when the feed's text is unchanged", async () => {
    let h = await openHarness({ state, config: { sources: sources().slice(0, 1), feeds: { topics: [] } } });
    await runOnce(h.deps);
    await h.close();
    const bumped = readFileSync(`${root}govuk-organisation-home-office.atom`, "utf8").replace(`${KNIFE}#2024-04-01T00:01:00+01:00`, `${KNIFE}#2024-04-05T12:00:00+01:00`);
    server.route("/government/organisations/home-office.atom", { body: bumped, contentType: "application/atom+xml", etag: '"org-3"' });
    h = await openHarness({ state, config: { sources: sources().slice(0, 1), feeds: { topics: [] } }, now: "2026-11-30T10:00:00Z" });
    const run = await runOnce(h.deps);
    const knife = await storedByUrl(h.store, KNIFE);
    await h.close();
    expect(run.sources[0]).toMatchObject({ new: 0, revised: 1 });
    expect(knife?.revisions).toHaveLength(2);
    expect(knife?.changeNote).toContain("2024-04-05T12:00:00+01:00");
    expect(knife?.updatedAt).toBe("2026-11-30T10:00:00.000Z");
    // The same feed again is no edit.
    h = await openHarness({ state, config: { sources: sources().slice(0, 1), feeds: { topics: [] } }, now: "2026-11-30T11:00:00Z" });
    server.route("/government/organisations/home-office.atom", { body: bumped, contentType: "application/atom+xml", etag: '"org-4"' });
    const again = await runOnce(h.deps);
    await h.close();
    expect(again.sources[0]).toMatchObject({ revised: 0 });
  });

  it("costs nothing on a 304", async () => {
    let h = await openHarness({ state, config: { sources: sources().slice(0, 1), feeds: { topics: [] } } });
    await runOnce(h.deps);
    await h.close();
    h = await openHarness({ state, config: { sources: sources().slice(0, 1), feeds: { topics: [] } } });
    const run = await runOnce(h.deps);
    await h.close();
    expect(run.sources[0]!.status).toBe("not-modified");
    const conditional = server.requestsTo("/government/organisations/home-office.atom");
    expect(conditional[1]!.headers["if-none-match"]).toBe('"org-1"');
    expect(conditional[1]!.status).toBe(304);
    expect(run.feedsWritten).toEqual([]);
  });
});
