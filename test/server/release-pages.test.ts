import Parser from "rss-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { storedRelease } from "../fixtures/feeds/stored-releases.js";
import { describeEngines } from "../helpers/state-engines.js";
import { startServedState, type ServedState } from "./server-fixture.js";

const revised = storedRelease({
  id: "tag:pressroom.invalid,2024-03-04:home-office/revised-guidance",
  kind: "guidance",
  department: "Home Office",
  date: "2024-03-04",
  versions: [
    { at: "2024-03-04T10:00:00.000Z", title: "Visa fees guidance", summary: "Fees for visas.", body: [{ type: "paragraph", text: "The fee is 100 pounds for each applicant." }, { type: "paragraph", text: "Apply online." }] },
    { at: "2024-03-06T15:30:00.000Z", title: "Visa fees guidance", summary: "Fees for visas.", body: [{ type: "paragraph", text: "The fee is 120 pounds for each applicant." }, { type: "paragraph", text: "Apply online." }, { type: "paragraph", text: "Children pay nothing." }], changeNote: "Fee updated" },
  ],
});

describeEngines("release pages", (engine) => {
  let s: ServedState;
  beforeAll(async () => {
    s = await startServedState({ engine });
    await s.store.commit({ releases: [revised] });
  });
  afterAll(async () => s?.cleanup());

  it("a dump release (no URL) is linked from the feed to its page, which shows its text, kind, department, London date and source", async () => {
    const feed = await new Parser().parseString(await (await fetch(`${s.url}/feeds/all.atom`)).text());
    const item = feed.items[0]!;
    expect(item.link).toMatch(/^http:\/\/pressroom\.test\/releases\/tag%3A/);
    const path = new URL(item.link!).pathname;
    const res = await fetch(`${s.url}${path}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const html = await res.text();
    expect(html).toContain(`<h1>${item.title!.replace(/&/g, "&amp;")}</h1>`);
    expect(html).toMatch(/<time datetime="\d{4}-\d\d-\d\d">\d{1,2} [A-Z][a-z]+ \d{4}<\/time>/);
    expect(html).toContain("Home Office");
    expect(html).toMatch(/<h2>Sources<\/h2>\s*<ul><li>inbox: no link, first seen/);
  });

  it("shows the revision history newest first, each with a readable word diff", async () => {
    const res = await fetch(`${s.url}/releases/${encodeURIComponent(revised.id)}`);
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(html).toContain("Guidance · Home Office · <time datetime=\"2024-03-04\">4 March 2024</time>");
    expect(html).toContain("2 versions");
    expect(html).toContain("<h3>Revised 6 March 2024, 15:30</h3><p>Change note: Fee updated</p>");
    expect(html).toContain("<li>The fee is <del>100 </del><ins>120 </ins>pounds for each applicant.</li>");
    expect(html).toContain("<li><ins>Children pay nothing.</ins></li>");
    expect(html).not.toContain("<li>Apply online.</li>");
    expect(html.indexOf("Revised 6 March")).toBeLessThan(html.indexOf("First seen 4 March"));
  });

  it("is 404 for an unknown id and for a malformed path", async () => {
    expect((await fetch(`${s.url}/releases/${encodeURIComponent("tag:nope")}`)).status).toBe(404);
    expect((await fetch(`${s.url}/releases/%E0%A4%A`)).status).toBe(404);
  });

  it("the index page lists the latest releases (linking to their pages) and helps with the query language", async () => {
    const html = await (await fetch(`${s.url}/`)).text();
    expect(html).toContain('<h2>Latest releases</h2>');
    expect(html).toMatch(/<ul id="latest"><li><a href="\/releases\/tag%3A[^"]+">/);
    expect(html).toContain('id="query-help"');
    expect(html).toContain("<code>kind:speech</code>");
  });
});
