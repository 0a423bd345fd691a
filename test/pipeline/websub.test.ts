import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, expect, it } from "vitest";
import { runOnce } from "../../src/pipeline/run-once.js";
import { openHarness, SAMPLE } from "../helpers/pipeline-harness.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import { describeEngines, type TestState } from "../helpers/state-engines.js";

const body = (req: IncomingMessage) => new Promise<string>((resolve) => { let b = ""; req.on("data", (d: Buffer) => (b += d)); req.on("end", () => resolve(b)); });

describeEngines("WebSub", (engine) => {
  let state: TestState;
  let dir: string;
  let cleanup: () => Promise<void>;
  let hub: ReturnType<typeof createServer>;
  let hubUrl: string;
  let pings: URLSearchParams[];
  beforeEach(async () => {
    ({ dir, cleanup } = await makeTempDir());
    state = await engine.fresh();
    pings = [];
    hub = createServer(async (req, res) => {
      pings.push(new URLSearchParams(await body(req)));
      res.statusCode = 204;
      res.end();
    });
    await new Promise<void>((r) => hub.listen(0, "127.0.0.1", r));
    hubUrl = `http://127.0.0.1:${(hub.address() as AddressInfo).port}/`;
  });
  afterEach(async () => {
    await new Promise((r) => hub.close(r));
    await state.cleanup();
    await cleanup();
  });

  it("links the hub in feeds and pings it for each changed subscription feed, and not when nothing changed", async () => {
    const config = { sources: [{ id: "sample", type: "dump", path: SAMPLE }], feeds: { websubHub: hubUrl, baseUrl: "https://feeds.example.org", topics: [] } };
    let h = await openHarness({ state, config });
    await runOnce(h.deps);
    const xml = await h.feedXml("all");
    await h.close();
    expect(pings.map((p) => [p.get("hub.mode"), p.get("hub.url")])).toEqual([
      ["publish", "https://feeds.example.org/feeds/all.atom"],
      ["publish", "https://feeds.example.org/feeds/kinds/press-release.atom"],
    ]);
    expect(xml).toContain(`<link rel="hub" href="${hubUrl}"`);
    h = await openHarness({ state, config });
    await runOnce(h.deps);
    await h.close();
    expect(pings).toHaveLength(2);
  });

  it("never fails a run when the hub is down", async () => {
    await new Promise((r) => hub.close(r));
    const h = await openHarness({ state, config: { sources: [{ id: "sample", type: "dump", path: SAMPLE }], feeds: { websubHub: hubUrl, topics: [] } } });
    const run = await runOnce(h.deps);
    await h.close();
    expect(run.ok).toBe(true);
    hub = createServer();
  });
});
