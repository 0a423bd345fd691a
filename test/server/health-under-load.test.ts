import { copyFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { systemClock } from "../../src/core/clock.js";
import type { StateStore } from "../../src/core/ports.js";
import { createMailTransport } from "../../src/mail/index.js";
import { createServer, type PressroomServer } from "../../src/server/index.js";
import { describeEngines, type TestState } from "../helpers/state-engines.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import { runPipeline, SAMPLE_DUMP, SECRET, testConfig } from "./server-fixture.js";

/** The store with `runs.last` held at a gate: what a database busy with live queries looks like to /healthz. */
function gated(store: StateStore) {
  let open: (() => void) | undefined;
  let gate: Promise<void> = Promise.resolve();
  let reads = 0;
  const runs = new Proxy(store.runs, {
    get(target, key) {
      if (key === "last") return async () => { reads++; await gate; return target.last(); };
      const value = Reflect.get(target, key) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  const proxy = new Proxy(store, {
    get(target, key) {
      if (key === "runs") return runs;
      const value = Reflect.get(target, key) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return {
    store: proxy,
    reads: () => reads,
    close: () => { gate = new Promise((resolve) => (open = resolve)); },
    open: () => open?.(),
  };
}

describeEngines("/healthz while the state is busy", (engine) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

  it("answers from its last report at once, and reads a fresh one in the background", async () => {
    const temp = await makeTempDir("pressroom-health-load-");
    cleanups.push(temp.cleanup);
    const inbox = join(temp.dir, "inbox");
    await mkdir(inbox);
    await copyFile(SAMPLE_DUMP, join(inbox, "a.txt"));
    const config = testConfig(inbox, {});
    const state: TestState = await engine.fresh();
    cleanups.push(() => state.cleanup());
    await runPipeline(state, config, temp.dir);
    const store = await state.open({ clock: systemClock, feedEntries: config.feeds.entries });
    const g = gated(store);
    const transport = createMailTransport({ outboxDir: join(temp.dir, "outbox") });
    const server: PressroomServer = createServer({ store: g.store, config, secret: SECRET, transport });
    cleanups.push(async () => { g.open(); await server.close(); await transport.close(); await store.close(); });
    const { url } = await server.listen(0, "127.0.0.1");

    const first = await fetch(`${url}/healthz`);
    expect(first.status).toBe(200);
    const kept = await first.json();
    expect(g.reads()).toBe(1);

    await new Promise((resolve) => setTimeout(resolve, 1_100)); // past the reuse window
    g.close();
    // The state does not answer until the gate opens: a probe that waited for it would hang here.
    const during = await fetch(`${url}/healthz`);
    expect(during.status).toBe(200);
    expect(await during.json()).toEqual(kept);
    expect(g.reads()).toBe(2); // the fresh read started, and is waiting
    const again = await fetch(`${url}/healthz`);
    expect(again.status).toBe(200);
    expect(g.reads()).toBe(2); // one background read at a time
    g.open();
  });
});
