import { readFile } from "node:fs/promises";
import { join } from "node:path";
import pg from "pg";
import type { ReleaseStore } from "../../../src/core/ports.js";
import type { StoredRelease } from "../../../src/core/release.js";
import { afterEach, expect, it } from "vitest";
import { titleKey } from "../../../src/core/ids.js";
import { findExisting, lookupKeys } from "../../../src/core/identity.js";
import type { TestState } from "../../helpers/state-engines.js";
import { describeEngines } from "../../helpers/state-engines.js";
import { cleanupRetrying, collect, makeRelease } from "./fixtures.js";

/** One title lookup through the batched port method. */
const byTitle = async (releases: ReleaseStore, titleKey: string, from: string, to: string) => (await releases.byTitleKeys([{ titleKey, from, to }]))[0]!;

describeEngines("state contract: releases", (engine) => {
  let s: TestState | undefined;
  afterEach(async () => {
    if (s) await cleanupRetrying(s.cleanup);
    s = undefined;
  });

  it("reads a committed release back by id, URL and source item keys", async () => {
    s = await engine.fresh();
    const a = makeRelease("Police urged to double stop and search", "2023-10-31", { sourceId: "govuk", sourceItemId: "govuk-123", sourceUrl: "https://www.gov.uk/government/news/police-urged?utm_source=x" });
    const b = makeRelease("New asylum accommodation sites announced", "2023-11-02");
    await s.store.commit({ releases: [a, b] });

    expect(await s.store.releases.get(a.id)).toEqual(a);
    expect(await s.store.releases.get("tag:pressroom.invalid,2000-01-01:nothing")).toBeUndefined();
    expect((await s.store.releases.getMany([b.id, "tag:unknown", a.id])).map((r) => r.id)).toEqual([b.id, a.id]);

    const keys = [`id:${a.id}`, `url:https://www.gov.uk/government/news/police-urged`, "item:govuk|govuk-123", `url:${b.url!}`, "item:govuk|nope", "id:tag:nothing"];
    const hits = await s.store.releases.byKeys(keys);
    expect([...hits.keys()].sort()).toEqual(keys.slice(0, 4).sort());
    expect(hits.get("item:govuk|govuk-123")?.id).toBe(a.id);
    expect(hits.get(`url:https://www.gov.uk/government/news/police-urged`)).toEqual(a);
    expect(hits.get(`url:${b.url!}`)?.id).toBe(b.id);
    expect((await s.store.releases.byKeys([])).size).toBe(0);

    const item = { release: { ...a, id: "tag:other,2023:x", title: "Something else" }, sourceId: "govuk", sourceItemId: "govuk-123" };
    const found = await findExisting(s.store.releases, [item]);
    expect(found[0]?.id).toBe(a.id);
    expect(lookupKeys(item)).toContain("item:govuk|govuk-123");
  });

  it("finds releases by current or earlier title key within the date window", async () => {
    s = await engine.fresh();
    const revised = makeRelease("Home Secretary statement on small boats", "2023-10-31", { earlierTitles: ["Statement on Channel crossings"] });
    const other = makeRelease("Home Secretary statement on small boats", "2023-11-20");
    await s.store.commit({ releases: [revised, other] });

    const current = titleKey("Home Secretary statement on small boats");
    expect((await byTitle(s.store.releases, current, "2023-10-30", "2023-11-01")).map((r) => r.id)).toEqual([revised.id]);
    expect((await byTitle(s.store.releases, current, "2023-10-01", "2023-11-30")).map((r) => r.id).sort()).toEqual([revised.id, other.id].sort());
    // Inclusive bounds.
    expect((await byTitle(s.store.releases, current, "2023-11-20", "2023-11-20")).map((r) => r.id)).toEqual([other.id]);
    expect(await byTitle(s.store.releases, current, "2023-11-01", "2023-11-19")).toEqual([]);

    const earlier = titleKey("Statement on Channel crossings");
    expect((await byTitle(s.store.releases, earlier, "2023-10-30", "2023-11-01")).map((r) => r.id)).toEqual([revised.id]);
    expect(await byTitle(s.store.releases, earlier, "2023-11-02", "2023-11-05")).toEqual([]);

    // One call answers many lookups, each in its place, an empty answer included.
    const batch = await s.store.releases.byTitleKeys([
      { titleKey: earlier, from: "2023-10-30", to: "2023-11-01" },
      { titleKey: current, from: "2023-11-01", to: "2023-11-19" },
      { titleKey: current, from: "2023-11-20", to: "2023-11-20" },
    ]);
    expect(batch.map((answer) => answer.map((r) => r.id))).toEqual([[revised.id], [], [other.id]]);
    expect(await s.store.releases.byTitleKeys([])).toEqual([]);

    // findExisting (core/identity) by title, a day off, across a month boundary.
    const incoming = { release: { ...revised, id: "tag:other,2023:y", url: undefined, date: "2023-11-01", title: "Statement on Channel crossings" }, sourceId: "dump" };
    expect((await findExisting(s.store.releases, [incoming]))[0]?.id).toBe(revised.id);
  });

  it("replaces a release on a later commit, re-indexing its keys and titles", async () => {
    s = await engine.fresh();
    const first = makeRelease("Visa fees to rise", "2024-02-05");
    await s.store.commit({ releases: [first] });
    const second = makeRelease("Visa and immigration fees to rise", "2024-02-05", { earlierTitles: ["Visa fees to rise"], id: first.id, url: first.url!, sourceItemId: "item-9" });
    await s.store.commit({ releases: [second] });

    expect(await s.store.releases.count()).toBe(1);
    expect((await s.store.releases.get(first.id))?.title).toBe("Visa and immigration fees to rise");
    expect((await s.store.releases.byKeys(["item:home-office-news|item-9"])).get("item:home-office-news|item-9")?.title).toBe("Visa and immigration fees to rise");
    expect((await byTitle(s.store.releases, titleKey("Visa and immigration fees to rise"), "2024-02-05", "2024-02-05")).map((r) => r.id)).toEqual([first.id]);
    expect((await byTitle(s.store.releases, titleKey("Visa fees to rise"), "2024-02-05", "2024-02-05")).map((r) => r.title)).toEqual(["Visa and immigration fees to rise"]);
  });

  it("lists months oldest first, a month's releases, the count, and every release newest month first", async () => {
    s = await engine.fresh();
    const rs = [
      makeRelease("Knife crime crackdown", "2023-10-03"),
      makeRelease("Police funding settlement", "2023-12-14"),
      makeRelease("Fraud strategy published", "2023-10-30"),
      makeRelease("New border force cutters", "2024-01-09"),
      makeRelease("Christmas drink driving campaign", "2023-12-01"),
    ];
    expect(await s.store.releases.count()).toBe(0);
    expect(await s.store.releases.months()).toEqual([]);
    await s.store.commit({ releases: rs.slice(0, 3) });
    await s.store.commit({ releases: rs.slice(3) });

    expect(await s.store.releases.count()).toBe(5);
    expect(await s.store.releases.months()).toEqual(["2023-10", "2023-12", "2024-01"]);
    expect((await s.store.releases.inMonth("2023-10")).map((r) => r.title).sort()).toEqual(["Fraud strategy published", "Knife crime crackdown"]);
    expect(await s.store.releases.inMonth("2023-11")).toEqual([]);

    const all = await collect(s.store.releases.all());
    expect(all).toHaveLength(5);
    expect(all.map((r) => r.date.slice(0, 7))).toEqual(["2024-01", "2023-12", "2023-12", "2023-10", "2023-10"]);
    expect(new Set(all.map((r) => r.id))).toEqual(new Set(rs.map((r) => r.id)));
  });

  it("a reopened state sees every committed release", async () => {
    s = await engine.fresh();
    const a = makeRelease("Modern slavery statutory guidance updated", "2025-03-17", { sourceItemId: "ms-1" });
    await s.store.commit({ releases: [a] });
    const again = await s.open();
    expect(await again.releases.get(a.id)).toEqual(a);
    expect((await again.releases.byKeys(["item:home-office-news|ms-1"])).get("item:home-office-news|ms-1")?.id).toBe(a.id);
    expect(await again.releases.months()).toEqual(["2025-03"]);
  });

  it("stores a release's current text once and reads every revision back whole on another handle", async () => {
    s = await engine.fresh();
    const once = makeRelease("Facial recognition vans to be rolled out", "2025-04-02", { sourceItemId: "fr-1" });
    const revised = makeRelease("Asylum hotels to close by spring", "2025-04-03", { earlierTitles: ["Asylum hotels to close"] });
    const noted: StoredRelease = { ...revised, id: `${revised.id}-noted`, url: `${revised.url!}-noted`, changeNote: "Corrected the date", revisions: [...revised.revisions.slice(0, -1), { ...revised.revisions.at(-1)!, changeNote: "Corrected the date" }] };
    await s.store.commit({ releases: [once, revised, noted] });

    const again = await s.open();
    expect(await again.releases.get(once.id)).toEqual(once);
    expect(await again.releases.getMany([noted.id, revised.id])).toEqual([noted, revised]);
    expect((await again.releases.inMonth("2025-04")).sort((a, b) => a.id.localeCompare(b.id))).toEqual([once, revised, noted].sort((a, b) => a.id.localeCompare(b.id)));
    expect((await again.releases.byKeys(["item:home-office-news|fr-1"])).get("item:home-office-news|fr-1")).toEqual(once);
    expect((await byTitle(again.releases, titleKey("Asylum hotels to close"), "2025-04-01", "2025-04-05")).map((r) => r.id).sort()).toEqual([revised.id, noted.id].sort());

    // What the engine holds: each body sentence once (the current revision refers to the release's text).
    const sentence = (r: StoredRelease) => (r.body[0] as { text: string }).text;
    const stored = s.engine === "lowdb" ? await readFile(join(s.target.dir, "releases", "2025-04.json"), "utf8") : await rowsText(s.target.url!);
    const count = (r: StoredRelease) => stored.split(sentence(r)).length - 1;
    expect(count(once)).toBe(1);
    // `revised` and `noted` share one body: each holds it in its earlier revision and as its current text (6 before).
    expect(count(revised)).toBe(4);
  });
});

/** Every release row's stored JSON, as text. */
async function rowsText(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ data: string }>("select data::text as data from releases order by id")).rows.map((r) => r.data).join("\n");
  } finally {
    await client.end();
  }
}

