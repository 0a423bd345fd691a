import { afterEach, expect, it } from "vitest";
import { systemClock } from "../../src/core/clock.js";
import { createMailTransport } from "../../src/mail/index.js";
import { releaseIndexKeys } from "../../src/match/search-index.js";
import { createServer } from "../../src/server/index.js";
import type { TestState } from "../helpers/state-engines.js";
import { describeEngines } from "../helpers/state-engines.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import { cleanupRetrying, makeRelease } from "../store/contract/fixtures.js";
import { SECRET, testConfig } from "./server-fixture.js";

const titlesOf = (xml: string) => [...xml.matchAll(/<entry>\s*<title[^>]*><!\[CDATA\[([^\]]*)\]\]><\/title>/g)].map((m) => m[1]!);

/** 24 releases, one a month; every third says "lighthouse", every fourth "glacier". */
const releases = Array.from({ length: 24 }, (_, i) => {
  const words = [i % 3 === 0 ? "lighthouse" : "", i % 4 === 0 ? "glacier" : ""].filter(Boolean).join(" and ") || "harbour";
  return makeRelease(`Report ${String(i).padStart(2, "0")} on the ${words}`, `${2022 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, "0")}-15`);
});

describeEngines("live topic feeds from the persisted search index", (engine) => {
  let s: TestState | undefined;
  afterEach(async () => {
    if (s) await cleanupRetrying(s.cleanup);
    s = undefined;
  });

  for (const indexed of [true, false]) {
    it(`answers newest first and follows a new release and revisions (a match dropped or gained) at once (${indexed ? "index kept by the commits" : "index out of date: the server indexes in memory"})`, async () => {
      const temp = await makeTempDir("pressroom-live-index-");
      s = await engine.fresh(indexed ? { searchKeys: releaseIndexKeys } : {});
      await s.store.commit({ releases });
      expect((await (await s.store.search.candidates([]))?.next(1000))?.length).toBe(indexed ? releases.length : undefined);
      const config = testConfig(temp.dir);
      const transport = createMailTransport({ outboxDir: temp.dir });
      const server = createServer({ store: s.store, config, secret: SECRET, transport });
      try {
        const { url } = await server.listen(0, "127.0.0.1");
        const get = async (q: string) => {
          const res = await fetch(`${url}/feeds/topics?q=${encodeURIComponent(q)}`);
          expect(res.status).toBe(200);
          return titlesOf(await res.text());
        };
        expect(await get("lighthouse AND glacier")).toEqual(["Report 12 on the lighthouse and glacier", "Report 00 on the lighthouse and glacier"]);
        expect(await get("lighthouse AND NOT glacier")).toEqual(["Report 21 on the lighthouse", "Report 18 on the lighthouse", "Report 15 on the lighthouse", "Report 09 on the lighthouse", "Report 06 on the lighthouse", "Report 03 on the lighthouse"]);
        expect(await get("NOT harbour")).toHaveLength(config.feeds.entries);
        await s.store.commit({ releases: [makeRelease("Report 99 on the lighthouse and glacier", "2025-01-15")] });
        expect((await get("lighthouse AND glacier"))[0]).toBe("Report 99 on the lighthouse and glacier");

        // Revisions, committed as a run commits them (placed in the all feed): one that no longer
        // matches leaves the live feed, one that newly matches joins it, at the next generation.
        const revised = [
          makeRelease("Report 00 on the lighthouse", "2022-01-15", { earlierTitles: ["Report 00 on the lighthouse and glacier"] }),
          makeRelease("Report 01 on the lighthouse and glacier", "2022-02-15", { earlierTitles: ["Report 01 on the harbour"] }),
        ];
        expect(revised.map((r) => r.id)).toEqual([releases[0]!.id, releases[1]!.id]);
        await s.store.commit({ releases: revised, placements: revised.map((r) => ({ feed: "all", entry: { id: r.id, date: r.date, updatedAt: r.updatedAt } })) });
        expect(await get("lighthouse AND glacier")).toEqual(["Report 99 on the lighthouse and glacier", "Report 12 on the lighthouse and glacier", "Report 01 on the lighthouse and glacier"]);
        expect((await get("lighthouse AND NOT glacier")).at(-1)).toBe("Report 00 on the lighthouse");
        expect(await get("harbour")).not.toContain("Report 01 on the harbour");
      } finally {
        await server.close();
        await transport.close();
        await temp.cleanup();
      }
    });
  }
});
