import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { systemClock } from "../../src/core/clock.js";
import { memoryLogger } from "../../src/core/logger.js";
import { createMailTransport } from "../../src/mail/index.js";
import { pingHub } from "../../src/pipeline/ping-hub.js";
import { runOnce } from "../../src/pipeline/run-once.js";
import { createServer } from "../../src/server/index.js";
import { createHttpFetcher } from "../../src/sources/index.js";
import { runCli } from "../helpers/run-cli.js";
import { describeEngines } from "../helpers/state-engines.js";
import { makeTempDir } from "../helpers/temp-dir.js";

const SECRET_URL = "http://user:secret@127.0.0.1:9/feed?token=abc";
const leaks = (text: string) => text.includes("secret") || text.includes("token=abc");

describeEngines("URLs with credentials and query strings", (engine) => {
  it("never show the password or the query values in logs, run summaries, status, /healthz or /metrics", async () => {
    const temp = await makeTempDir("pressroom-redact-");
    const state = await engine.fresh();
    try {
      const config = parseConfig({ sources: [{ id: "private", type: "feed", url: SECRET_URL }], feeds: { baseUrl: "http://pressroom.test", entries: 10, topics: [] } });
      const log = memoryLogger();
      const store = await state.open({ clock: systemClock });
      try {
        const summary = await runOnce({
          owner: "test-run", config, baseDir: temp.dir, store, http: createHttpFetcher({ retries: 0, timeoutMs: 2_000 }), clock: systemClock, log,
          compose: { from: config.mail.from, baseUrl: config.feeds.baseUrl, listId: config.mail.listId, unsubscribeMailto: config.mail.unsubscribeMailto, secret: "x".repeat(32) },
        });
        expect(summary.ok).toBe(false);
        // The failure is there, with the URL's host and path, only without its secrets.
        const failed = log.entries.find((e) => e.message === "source failed");
        expect(String(failed?.fields?.error)).toContain("127.0.0.1:9/feed?token=***");
        expect(leaks(JSON.stringify(log.entries))).toBe(false);
        expect(leaks(JSON.stringify(summary))).toBe(false);
        expect(leaks(JSON.stringify(await store.runs.last()))).toBe(false);
        expect(leaks(JSON.stringify(await store.sources.list()))).toBe(false);
      } finally {
        await store.close();
      }

      const args = state.target.url ? ["status"] : ["status", "--state", state.target.dir];
      const configFile = join(temp.dir, "pressroom.yaml");
      await (await import("node:fs/promises")).writeFile(configFile, `feeds:\n  baseUrl: http://pressroom.test\nsources:\n  - id: private\n    type: feed\n    url: "${SECRET_URL}"\n`);
      const status = await runCli([...args, "--config", configFile], { env: { PRESSROOM_DATABASE_URL: state.target.url } });
      expect(status.stdout + status.stderr).toContain("private");
      expect(leaks(status.stdout + status.stderr)).toBe(false);

      const served = await state.open({ clock: systemClock });
      const transport = createMailTransport({ outboxDir: join(temp.dir, "outbox") });
      const server = createServer({ store: served, config, secret: "x".repeat(32), transport });
      try {
        const { url } = await server.listen(0, "127.0.0.1");
        const health = await (await fetch(`${url}/healthz`)).text();
        const metrics = await (await fetch(`${url}/metrics`)).text();
        expect(health).toContain("private");
        expect(leaks(health)).toBe(false);
        expect(leaks(metrics)).toBe(false);
      } finally {
        await server.close();
        await transport.close();
        await served.close();
      }
    } finally {
      await state.cleanup();
      await temp.cleanup();
    }
  });
});

describe("WebSub ping", () => {
  it("logs the hub and feed URLs without credentials or query values", async () => {
    const log = memoryLogger();
    await pingHub("https://hub:secret@hub.test/?token=abc", ["https://feeds.test/all.atom?token=abc"], async () => { throw new Error("connect ECONNREFUSED https://hub:secret@hub.test/?token=abc"); }, log);
    expect(log.entries).toHaveLength(1);
    expect(String(log.entries[0]!.fields?.hub)).toBe("https://***@hub.test/?token=***");
    expect(leaks(JSON.stringify(log.entries))).toBe(false);
  });
});
