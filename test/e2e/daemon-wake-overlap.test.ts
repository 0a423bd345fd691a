import { createServer as createHttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { SMTPServer } from "smtp-server";
import { afterEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { systemClock } from "../../src/core/clock.js";
import { openState } from "../../src/store/index.js";
import { spawnDaemon, type DaemonProcess, waitUntil } from "./daemon-process.js";
import { createTestDatabase, testDatabaseUrl } from "../helpers/state-engines.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import { makeDelivery } from "../store/contract/fixtures.js";

const running: DaemonProcess[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const d of running.splice(0)) await d.stop("SIGKILL");
  for (const c of cleanups.splice(0).reverse()) await c();
});


/** A slow SMTP server counting messages being transmitted at once (DATA received, reply pending). */
async function startCountingSink(replyDelayMs: number) {
  const state = { inData: 0, maxInData: 0, received: [] as string[] };
  const server = new SMTPServer({
    disabledCommands: ["STARTTLS", "AUTH"],
    authOptional: true,
    logger: false,
    closeTimeout: 200,
    onData(stream, session, callback) {
      state.inData++;
      state.maxInData = Math.max(state.maxInData, state.inData);
      stream.on("data", () => {});
      stream.on("end", () => {
        state.received.push(session.envelope.rcptTo.map((r) => r.address).join(","));
        setTimeout(() => {
          state.inData--;
          callback();
        }, replyDelayMs);
      });
    },
  });
  server.on("error", () => {});
  const port = await new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.server.address() as AddressInfo).port)));
  return { url: `smtp://127.0.0.1:${port}`, state, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/**
 * A daemon on a fresh database (`sources`, `mail.connections: 1`, polling on `cron`) sending to a
 * counting sink that answers each message after `replyDelayMs`, once it listens for queued alerts;
 * and another instance's handle on the database, to queue alerts with.
 */
async function startWakingDaemon(cron: string, replyDelayMs: number, extra: readonly string[] = [], sources: readonly object[] = []) {
  const db = await createTestDatabase();
  cleanups.push(db.drop);
  const sink = await startCountingSink(replyDelayMs);
  cleanups.push(sink.close);
  const temp = await makeTempDir("pressroom-wake-");
  cleanups.push(temp.cleanup);
  const configFile = join(temp.dir, "pressroom.yaml");
  await writeFile(configFile, stringify({
    sources,
    feeds: { baseUrl: "http://pressroom.test" },
    schedule: { cron, timezone: "UTC" },
    mail: { connections: 1 },
  }));
  const env = { PRESSROOM_DATABASE_URL: db.url, PRESSROOM_SMTP_URL: sink.url };
  const daemon = spawnDaemon(configFile, join(temp.dir, "state"), ["--no-initial-run", "--no-serve", ...extra], env);
  running.push(daemon);
  await daemon.waitFor((l) => l.msg === "listening for queued alerts", "the work listener");
  const other = await openState({ kind: "postgres", url: db.url }, { clock: systemClock });
  cleanups.push(() => other.close());
  return { sink, daemon, other };
}

describe.skipIf(!testDatabaseUrl())("send-on-wake and the daemon's own run (PostgreSQL)", () => {
  it("a scheduled run starting while a woken send is in flight does not send alongside it (mail.connections: 1)", async () => {
    // 520 alerts to 520 addresses: the woken send claims 500 (500 per connection), sending them one at
    // a time for well over 10 s, so a scheduled tick comes while it is in flight; its run finds the other
    // 20 due and unclaimed.
    const { sink, daemon, other } = await startWakingDaemon("*/10 * * * * *", 30);
    const now = new Date().toISOString();
    await other.commit({ deliveries: Array.from({ length: 520 }, (_, i) => makeDelivery(`a${i}`, `a${i}@example.org`, now)) });
    await waitUntil(() => sink.state.received.length >= 520, "all alerts", 60_000);
    const wokenFinished = await daemon.waitFor((l) => l.msg === "woken send finished", "the woken send's end");
    // The run that started meanwhile waited: its flush came after the woken send's end. (A tick
    // before the alerts were queued may have run and flushed nothing: only flushes that sent count.)
    const flushes = daemon.lines.flatMap((l, i) => (l.msg === "outbox flushed" && Number(l.sent) > 0 ? [i] : []));
    expect(flushes.filter((i) => i < wokenFinished)).toHaveLength(1);
    expect(sink.state.maxInData).toBe(1);
  }, 90_000);
});

describe.skipIf(!testDatabaseUrl())("shutdown during a woken send (PostgreSQL)", () => {
  it("stops the send at once: no new message starts, its claims go back, and nothing waits out the timeout", async () => {
    // Another instance queues 100 alerts; the woken send takes them one at a time, 200 ms each.
    const { sink, daemon, other } = await startWakingDaemon("0 0 1 1 *", 200, ["--shutdown-timeout", "20"]);
    const now = new Date().toISOString();
    await other.commit({ deliveries: Array.from({ length: 100 }, (_, i) => makeDelivery(`a${i}`, `a${i}@example.org`, now)) });
    await waitUntil(() => sink.state.received.length >= 3, "the woken send under way");

    const stopped = Date.now();
    expect(await daemon.stop("SIGTERM")).toBe(0);
    const tookMs = Date.now() - stopped;
    const sentBeforeExit = sink.state.received.length;
    // At most the message in flight at the signal went out after it: not the 20 s timeout's worth.
    expect(tookMs).toBeLessThan(10_000);
    expect(daemon.lines.some((l) => l.msg === "send abandoned at shutdown")).toBe(false);
    expect(sentBeforeExit).toBeLessThan(100);
    // Its claims were given back: another sender finds every unsent alert due and unclaimed now.
    const claimed = await other.outbox.claimDue("after-shutdown", 60_000, 1_000, new Date());
    expect(claimed.length + sentBeforeExit).toBe(100);
  }, 90_000);
});

describe.skipIf(!testDatabaseUrl())("shutdown while a run waits for a woken send (PostgreSQL)", () => {
  it("the waiting run does not start: it polls no source after SIGTERM", async () => {
    const polls: number[] = [];
    const source = createHttpServer((_req, res) => {
      polls.push(Date.now());
      res.writeHead(200, { "content-type": "application/atom+xml" });
      res.end(`<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>urn:t</id><updated>2026-11-29T10:00:00Z</updated>
<entry><title>Home Secretary announces asylum plan</title><id>urn:a1</id><link href="https://www.gov.uk/government/news/a1"/><updated>2026-11-29T09:00:00Z</updated><summary>asylum plan</summary></entry></feed>`);
    });
    const port = await new Promise<number>((r) => source.listen(0, "127.0.0.1", () => r((source.address() as AddressInfo).port)));
    cleanups.push(() => new Promise<void>((r) => source.close(() => r())));
    const { sink, daemon, other } = await startWakingDaemon("*/10 * * * * *", 200, ["--shutdown-timeout", "20"], [{ id: "loop", type: "feed", url: `http://127.0.0.1:${port}/feed.atom` }]);
    // A first scheduled run ends (it polls the source once), so the next tick is one that waits.
    const firstRun = await daemon.waitFor((l) => l.msg === "run finished", "a first run", -1, 20_000);
    const now = new Date().toISOString();
    await other.commit({ deliveries: Array.from({ length: 100 }, (_, i) => makeDelivery(`a${i}`, `a${i}@example.org`, now)) });
    await waitUntil(() => sink.state.received.length >= 2, "the woken send under way");
    const sending = daemon.lines.length;
    expect(daemon.lines.slice(firstRun + 1).some((l) => l.msg === "run started")).toBe(false);
    // A tick comes while the send is in flight: its run waits for the send's end.
    await daemon.waitFor((l) => l.msg === "run started", "a run waiting for the woken send", sending - 1, 12_000);
    const signalled = Date.now();
    expect(await daemon.stop("SIGTERM")).toBe(0);
    const after = daemon.lines.slice(sending).map((l) => l.msg).filter((m) => m === "source polled" || m === "run finished" || m === "shutting down");
    expect({ pollsAfterSignal: polls.filter((t) => t >= signalled).length, after }).toEqual({ pollsAfterSignal: 0, after: ["shutting down"] });
  }, 90_000);
});
