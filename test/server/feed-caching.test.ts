import type { IncomingMessage, ServerResponse } from "node:http";
import { afterEach, expect, it } from "vitest";
import { fixedClock } from "../../src/core/clock.js";
import { createMailTransport } from "../../src/mail/index.js";
import { releaseIndexKeys } from "../../src/match/search-index.js";
import { createServer } from "../../src/server/index.js";
import { makeRepresentation, sendRepresentation } from "../../src/server/representation-cache.js";
import { describeEngines, type TestState } from "../helpers/state-engines.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import { cleanupRetrying, makeRelease } from "../store/contract/fixtures.js";
import { SECRET, testConfig } from "./server-fixture.js";

const doc = (n: number) => `<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom"><id>tag:x,2023:${n}</id></feed>\n`;

describeEngines("feed caching validators", (engine) => {
  let s: TestState | undefined;
  afterEach(async () => {
    if (s) await cleanupRetrying(s.cleanup);
    s = undefined;
  });

  it("a feed whose bytes change within the same second gets a new Last-Modified (If-Modified-Since must not 304)", async () => {
    const temp = await makeTempDir("pressroom-caching-lm-");
    const clock = fixedClock("2026-01-01T10:00:00.100Z");
    s = await engine.fresh({ clock });
    const store = await s.open({ clock });
    const config = testConfig(temp.dir);
    const transport = createMailTransport({ outboxDir: temp.dir });
    const server = createServer({ store, config, secret: SECRET, transport });
    try {
      const { url } = await server.listen(0, "127.0.0.1");
      await store.feeds.publish([{ name: "all", xml: doc(1), entries: 0 }], ["all"]);
      const first = await fetch(`${url}/feeds/all.atom`, { headers: { "accept-encoding": "identity" } });
      const body1 = await first.text();
      const lm = first.headers.get("last-modified")!;
      clock.advance(500); // still 10:00:00 in whole seconds
      await store.feeds.publish([{ name: "all", xml: doc(2), entries: 0 }], ["all"]);
      const direct = await fetch(`${url}/feeds/all.atom`, { headers: { "accept-encoding": "identity" } });
      expect(await direct.text()).not.toBe(body1); // the feed did change
      const cond = await fetch(`${url}/feeds/all.atom`, { headers: { "accept-encoding": "identity", "if-modified-since": lm } });
      expect(cond.status).toBe(200);
      expect(direct.headers.get("last-modified")).not.toBe(lm);
    } finally {
      await server.close();
      await transport.close();
      await temp.cleanup();
    }
  });

  it("live ?q= feed: a revision that drops a match changes the feed, so If-Modified-Since must not 304", async () => {
    const temp = await makeTempDir("pressroom-live-caching-");
    s = await engine.fresh({ searchKeys: releaseIndexKeys });
    const a = makeRelease("Report on the lighthouse keepers", "2024-01-15");
    const b = makeRelease("Report on the lighthouse lamps", "2024-02-15");
    await s.store.commit({ releases: [a, b] });
    const config = testConfig(temp.dir);
    const transport = createMailTransport({ outboxDir: temp.dir });
    const server = createServer({ store: s.store, config, secret: SECRET, transport });
    try {
      const { url } = await server.listen(0, "127.0.0.1");
      const live = `${url}/feeds/topics?q=lighthouse`;
      const first = await fetch(live, { headers: { "accept-encoding": "identity" } });
      const xml1 = await first.text();
      expect(xml1).toContain("lighthouse keepers");
      // No Last-Modified: the newest match's time would not move when a match drops out.
      expect(first.headers.get("last-modified")).toBeNull();
      const etag = first.headers.get("etag")!;
      // Revise A (later updatedAt) so it no longer matches.
      const revised = { ...a, title: "Report on the harbour keepers", summary: "Summary of the harbour", body: [{ type: "paragraph" as const, text: "Harbour." }], updatedAt: "2024-03-01T09:00:00Z", hash: "f".repeat(32) };
      revised.revisions = [...a.revisions, { hash: revised.hash, recordedAt: revised.updatedAt, title: revised.title, summary: revised.summary, body: revised.body }];
      await s.store.commit({ releases: [revised] });
      const now = await fetch(live, { headers: { "accept-encoding": "identity" } });
      const xml2 = await now.text();
      expect(xml2).not.toContain("lighthouse keepers"); // the feed changed
      const cond = await fetch(live, { headers: { "accept-encoding": "identity", "if-none-match": etag, "if-modified-since": new Date().toUTCString() } });
      expect(cond.status).toBe(200);
      const same = await fetch(live, { headers: { "accept-encoding": "identity", "if-none-match": cond.headers.get("etag")! } });
      expect(same.status).toBe(304);
    } finally {
      await server.close();
      await transport.close();
      await temp.cleanup();
    }
  });
});

function fakeExchange(headers: Record<string, string>) {
  const out: { status?: number; headers?: Record<string, string> } = {};
  const req = { method: "GET", headers } as unknown as IncomingMessage;
  const res = { writeHead: (status: number, h: Record<string, string>) => { out.status = status; out.headers = h; }, end: () => {} } as unknown as ServerResponse;
  return { req, res, out };
}

it("If-None-Match carrying only the gzip variant's tag must not 304 an identity request (strong ETag per variant)", async () => {
  const rep = await makeRepresentation("g1", { body: Buffer.from("x".repeat(2000)), contentType: "application/atom+xml" });
  expect(rep.gzip).toBeDefined();
  const { req, res, out } = fakeExchange({ "accept-encoding": "identity", "if-none-match": rep.gzipEtag });
  sendRepresentation(req, res, rep);
  // The selected representation (identity) has ETag rep.etag, which the client does not hold.
  expect(out.headers?.ETag).toBe(rep.etag);
  expect(out.status).toBe(200);
});

it("If-None-Match naming the variant a request gets still answers 304", async () => {
  const rep = await makeRepresentation("g1", { body: Buffer.from("x".repeat(2000)), contentType: "application/atom+xml" });
  for (const [encoding, tag] of [["identity", rep.etag], ["gzip", rep.gzipEtag]] as const) {
    const { req, res, out } = fakeExchange({ "accept-encoding": encoding, "if-none-match": `W/${tag}, "other"` });
    sendRepresentation(req, res, rep);
    expect(out.status, encoding).toBe(304);
  }
});
