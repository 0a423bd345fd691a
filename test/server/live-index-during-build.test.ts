import { afterEach, describe, expect, it } from "vitest";
import type { ReleaseStore, SearchIndexStore, StateStore } from "../../src/core/ports.js";
import { createMailTransport } from "../../src/mail/index.js";
import { createServer } from "../../src/server/index.js";
import { stateEngines, type TestState } from "../helpers/state-engines.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import { cleanupRetrying, makeRelease } from "../store/contract/fixtures.js";
import { SECRET, testConfig } from "./server-fixture.js";

const postgres = stateEngines().find((e) => e.name === "postgres");
const withPostgres = postgres ? describe : describe.skip;
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

  /**
   * The server's store, with the in-memory build held after its first release until a live-feed
   * request asks for candidates once `arm()` was called: that request then finds the build in
   * progress, whatever the machine's speed.
   */
  function heldBuild(base: StateStore) {
    let started!: () => void;
    const building = new Promise<void>((r) => (started = r));
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    let armed = false;
    const releases: ReleaseStore = Object.assign(Object.create(base.releases) as ReleaseStore, {
      async *all() {
        let n = 0;
        for await (const release of base.releases.all()) {
          yield release;
          if (++n === 1) {
            started();
            await gate;
          }
        }
      },
    });
    const search: SearchIndexStore = Object.assign(Object.create(base.search) as SearchIndexStore, {
      candidates: (...args: Parameters<SearchIndexStore["candidates"]>) => {
        if (armed) open();
        return base.search.candidates(...args);
      },
    });
    const store: StateStore = Object.assign(Object.create(base) as StateStore, { releases, search });
    return { store, building, open, arm: () => void (armed = true) };
  }

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
      const held = heldBuild(s.store);
      const server = createServer({ store: held.store, config, secret: SECRET, transport });
      try {
        const { url } = await server.listen(0, "127.0.0.1"); // starts building the in-memory index (warm)
        await held.building;
        if (buildFirst) {
          held.open();
          await fetch(`${url}/feeds/topics?q=harbour`).then((r) => r.text()); // waits for the build
        }
        // A run on another instance stores a new release while the build goes on (or after it).
        const fresh = makeRelease("Lighthouse keepers honoured", "2031-05-01");
        await writer.commit({ releases: [fresh] });
        const generation = await s.store.generation();
        const get = async () => titlesOf(await (await fetch(`${url}/feeds/topics?q=lighthouse`)).text());
        held.arm(); // the next request lets the build go on, and finds it in progress
        const first = await get();
        const later = await get();
        expect((await s.store.generation()) === generation).toBe(true);
        expect(first[0]).toBe("Lighthouse keepers honoured");
        expect(later[0]).toBe("Lighthouse keepers honoured");
      } finally {
        held.open();
        await server.close();
        await transport.close();
        await temp.cleanup();
        await writer.close();
      }
    }, 60_000);
  }
});
