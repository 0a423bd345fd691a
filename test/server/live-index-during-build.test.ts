import { afterEach, describe, expect, it } from "vitest";
import { createMailTransport } from "../../src/mail/index.js";
import { createServer } from "../../src/server/index.js";
import { stateEngines, type TestState } from "../helpers/state-engines.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import { cleanupRetrying, makeRelease } from "../store/contract/fixtures.js";
import { SECRET, testConfig } from "./server-fixture.js";

const postgres = stateEngines().find((e) => e.name === "postgres");
const withPostgres = postgres ? describe : describe.skip;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const titlesOf = (xml: string) => [...xml.matchAll(/<entry>\s*<title[^>]*><!\[CDATA\[([^\]]*)\]\]><\/title>/g)].map((m) => m[1]!);

/*
 * The in-memory index (the fallback when the state's own is out of date) is built from the store.
 * A request for generation g1 that joined a build started before g1's commit got an index without
 * that release, and the live topic feed cached the answer under g1: the release stayed missing for
 * as long as the generation stayed g1. It now waits for the build and updates once more.
 */
withPostgres("live topic feed while the in-memory index is being built (PostgreSQL, another instance writing)", () => {
  let s: TestState | undefined;
  afterEach(async () => {
    if (s) await cleanupRetrying(s.cleanup);
    s = undefined;
  });

  for (const buildFirst of [false, true]) {
    it(`${buildFirst ? "control: after the build," : "a release committed while the index is built"} appears in the live feed of the generation that holds it`, async () => {
      const temp = await makeTempDir("pressroom-live-build-");
      s = await postgres!.fresh({}); // no search keys: the persisted index is out of date, the server indexes in memory
      const history = Array.from({ length: 3000 }, (_, i) =>
        makeRelease(`Report ${i} on the ${i % 3 === 0 ? "lighthouse" : "harbour"}`, `${2018 + Math.floor(i / 360)}-${String((i % 12) + 1).padStart(2, "0")}-${String((i % 28) + 1).padStart(2, "0")}`),
      );
      for (let i = 0; i < history.length; i += 1000) await s.store.commit({ releases: history.slice(i, i + 1000) });
      const writer = await s.open({});
      const config = testConfig(temp.dir);
      const transport = createMailTransport({ outboxDir: temp.dir });
      const server = createServer({ store: s.store, config, secret: SECRET, transport });
      try {
        const { url } = await server.listen(0, "127.0.0.1"); // starts building the in-memory index (warm)
        if (buildFirst) await fetch(`${url}/feeds/topics?q=harbour`).then((r) => r.text()); // waits for the build
        else await sleep(150);
        // A run on another instance stores a new release while the build goes on.
        const fresh = makeRelease("Lighthouse keepers honoured", "2031-05-01");
        await writer.commit({ releases: [fresh] });
        const generation = await s.store.generation();
        const get = async () => titlesOf(await (await fetch(`${url}/feeds/topics?q=lighthouse`)).text());
        const first = await get();
        await sleep(1_000); // the build is long over
        const later = await get();
        expect((await s.store.generation()) === generation).toBe(true);
        expect(later[0]).toBe("Lighthouse keepers honoured");
      } finally {
        await server.close();
        await transport.close();
        await temp.cleanup();
        await writer.close();
      }
    }, 60_000);
}
});
