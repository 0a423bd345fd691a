/**
 * Entry ids are `<url>#<timestamp>` in GOV.UK's organisation feeds, and the fragment is dropped
 * there. It used to be dropped from every http(s) id: a feed whose entries are told apart only by
 * their fragment (`https://site/press#r1`, `#r2`: a one-page news list) got one item id for all of
 * them, and a new entry was taken for an edit of an old one (the old text overwritten).
 */
import { afterEach, beforeEach, expect, it } from "vitest";
import { runOnce } from "../../src/pipeline/run-once.js";
import { startFixtureServer, type FixtureServer } from "../helpers/fixture-server.js";
import { openHarness } from "../helpers/pipeline-harness.js";
import { describeEngines, type TestState } from "../helpers/state-engines.js";

const item = (n: number, day: number) => `<item><title>Police commissioner statement ${n === 1 ? "on knife crime" : "on border security"}</title>
<link>https://www.example-pcc.org.uk/news/statement-${n}</link>
<guid isPermaLink="true">https://www.example-pcc.org.uk/press#statement-${n}</guid>
<pubDate>${day} Nov 2026 09:00:00 GMT</pubDate>
<description>Statement ${n} text.</description></item>`;
const rss = (items: string[]) => `<?xml version="1.0"?><rss version="2.0"><channel><title>PCC press</title><link>https://www.example-pcc.org.uk/press</link>${items.join("")}</channel></rss>`;

describeEngines("feed entry ids that differ only by fragment", (engine) => {
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

  it("keeps a new entry as a new release, not an edit of its neighbour", async () => {
    const config = () => ({ sources: [{ id: "pcc", type: "feed", url: server.url("/press.rss"), department: "Example PCC" }], feeds: { topics: [] } });
    server.route("/press.rss", { body: rss([item(1, 27)]), contentType: "application/rss+xml" });
    let h = await openHarness({ state, config: config() });
    await runOnce(h.deps);
    await h.close();

    server.route("/press.rss", { body: rss([item(2, 28), item(1, 27)]), contentType: "application/rss+xml" });
    h = await openHarness({ state, config: config(), now: "2026-11-29T11:00:00Z" });
    const run = await runOnce(h.deps);
    const entries = await h.store.feeds.entries("all");
    const releases = await h.store.releases.getMany(entries.map((e) => e.id));
    await h.close();
    const titles = releases.map((r) => r.title).sort();
    expect({ run: run.sources[0], titles }).toMatchObject({
      run: { new: 1, revised: 0 },
      titles: ["Police commissioner statement on border security", "Police commissioner statement on knife crime"],
    });
  });
});
