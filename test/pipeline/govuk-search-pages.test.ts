/**
 * The govuk-search source used to read one page of the Search API (count=N, no `start`): when more
 * than N releases were published between two polls (a long outage, a busy day), the older ones never
 * came back onto page one and were missed for good. It now reads the next pages while they bring
 * anything new, and reads again a result whose content fetch failed wherever the listing has it.
 */
import { afterEach, beforeEach, expect, it } from "vitest";
import { runOnce } from "../../src/pipeline/run-once.js";
import { startFixtureServer, type FixtureServer } from "../helpers/fixture-server.js";
import { openHarness } from "../helpers/pipeline-harness.js";
import { describeEngines, type TestState } from "../helpers/state-engines.js";

interface Doc { link: string; title: string; ts: string }

/** A GOV.UK Search API that honours `count`, `start` and `order=-public_timestamp`, plus the Content API. */
function serveGovuk(server: FixtureServer, docs: Doc[]): void {
  server.route("/api/search.json", {
    handle: (req, res) => {
      const q = new URL(req.url ?? "/", "http://x").searchParams;
      const count = Number(q.get("count") ?? 10);
      const start = Number(q.get("start") ?? 0);
      const sorted = [...docs].sort((a, b) => Date.parse(b.ts) - Date.parse(a.ts));
      const page = sorted.slice(start, start + count).map((d) => ({ link: d.link, title: d.title, public_timestamp: d.ts, content_store_document_type: "press_release", description: d.title }));
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ results: page, total: sorted.length, start }));
    },
  });
  for (const d of docs) {
    server.route(`/api/content${d.link}`, {
      contentType: "application/json",
      body: JSON.stringify({
        base_path: d.link, title: d.title, document_type: "press_release", first_published_at: d.ts, public_updated_at: d.ts, description: d.title,
        details: { body: `<p>${d.title} body.</p>` },
        links: { organisations: [{ title: "Home Office", base_path: "/government/organisations/home-office" }] },
      }),
    });
  }
}

const doc = (n: number, ts: string): Doc => ({ link: `/government/news/release-${n}`, title: `Release number ${n}`, ts });

describeEngines("govuk-search with more new releases than one page", (engine) => {
  let state: TestState;
  let server: FixtureServer;
  beforeEach(async () => {
    state = await engine.fresh();
    server = await startFixtureServer();
  });
  afterEach(async () => {
    await server.close();
    await state.cleanup();
  });

  it("stores every release published between two polls, even when they exceed `count`", async () => {
    const config = () => ({ sources: [{ id: "govuk-api", type: "govuk-search", url: server.origin, rateLimit: 10, count: 2 }], feeds: { topics: [] } });
    const docs = [doc(1, "2026-11-27T09:00:00Z"), doc(2, "2026-11-27T10:00:00Z")];
    serveGovuk(server, docs);
    let h = await openHarness({ state, config: config() });
    await runOnce(h.deps); // baseline: releases 1 and 2
    await h.close();

    // Three releases published while the service was down.
    docs.push(doc(3, "2026-11-28T09:00:00Z"), doc(4, "2026-11-28T10:00:00Z"), doc(5, "2026-11-28T11:00:00Z"));
    serveGovuk(server, docs);
    h = await openHarness({ state, config: config(), now: "2026-11-29T10:00:00Z" });
    const run = await runOnce(h.deps);
    const stored = (await h.store.feeds.entries("all")).length;
    await h.close();
    expect(run.sources[0]).toMatchObject({ status: "ok", new: 3 });
    expect(stored).toBe(5);
    // Pages 1 and 2 held something new; page 3 (release 1) did not, and no page after it was asked for.
    expect(server.requestsTo("/api/search.json").slice(-3).map((r) => new URL(r.url, "http://x").searchParams.get("start"))).toEqual([null, "2", "4"]);
    for (const n of [3, 4, 5]) expect(server.requestsTo(`/api/content/government/news/release-${n}`)).toHaveLength(1);
  });

  it("reads again a release whose content fetch failed, after newer ones pushed it off the first page", async () => {
    const config = () => ({ sources: [{ id: "govuk-api", type: "govuk-search", url: server.origin, rateLimit: 10, count: 2 }], feeds: { topics: [] } });
    const docs = [doc(1, "2026-11-27T09:00:00Z"), doc(2, "2026-11-27T10:00:00Z")];
    serveGovuk(server, docs);
    let h = await openHarness({ state, config: config() });
    await runOnce(h.deps);
    await h.close();

    // Release 3 is published but its content fetch fails this run (release 4's works).
    docs.push(doc(3, "2026-11-28T09:00:00Z"), doc(4, "2026-11-28T10:00:00Z"));
    serveGovuk(server, docs);
    server.route("/api/content/government/news/release-3", { status: 503, body: "busy" });
    h = await openHarness({ state, config: config(), now: "2026-11-29T10:00:00Z" });
    expect((await runOnce(h.deps)).sources[0]).toMatchObject({ status: "ok", new: 1 });
    await h.close();

    // Two more push it to page 2; it fails again in that run.
    docs.push(doc(5, "2026-11-28T11:00:00Z"), doc(6, "2026-11-28T12:00:00Z"));
    serveGovuk(server, docs);
    server.route("/api/content/government/news/release-3", { status: 503, body: "busy" });
    h = await openHarness({ state, config: config(), now: "2026-11-29T11:00:00Z" });
    expect((await runOnce(h.deps)).sources[0]).toMatchObject({ status: "ok", new: 2 });
    await h.close();

    // Nothing new since: the first page is all known, so paging stops there; release 3 is read
    // again from the cursor all the same.
    serveGovuk(server, docs);
    h = await openHarness({ state, config: config(), now: "2026-11-29T12:00:00Z" });
    expect((await runOnce(h.deps)).sources[0]).toMatchObject({ status: "ok", new: 1 });
    expect((await h.store.feeds.entries("all")).length).toBe(6);
    await h.close();
    expect(server.requestsTo("/api/search.json").slice(-1).map((r) => new URL(r.url, "http://x").searchParams.get("start"))).toEqual([null]);
    h = await openHarness({ state, config: config(), now: "2026-11-29T13:00:00Z" });
    expect((await runOnce(h.deps)).sources[0]).toMatchObject({ status: "not-modified", new: 0 });
    await h.close();
  });
});
