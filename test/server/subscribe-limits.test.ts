import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/core/clock.js";
import { createMailTransport, type MailTransport } from "../../src/mail/index.js";
import { createServer, type PressroomServer, type ServerOptions } from "../../src/server/index.js";
import type { StateStore } from "../../src/core/ports.js";
import { stateEngines, type TestState } from "../helpers/state-engines.js";
import { startSmtpSink, type SmtpSink } from "../helpers/smtp-sink.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import { SECRET, testConfig } from "./server-fixture.js";

let sink: SmtpSink;
let transport: MailTransport;
beforeAll(async () => {
  sink = await startSmtpSink();
  transport = createMailTransport({ smtpUrl: sink.url, outboxDir: "/nonexistent", pool: false });
});
afterAll(async () => {
  await transport?.close();
  await sink?.close();
});

let clock: ReturnType<typeof fixedClock>;
let temp: { dir: string; cleanup: () => Promise<void> };
let server: PressroomServer | undefined;
let url: string;
beforeEach(async () => {
  sink.reset();
  clock = fixedClock("2024-05-01T12:00:00Z");
  temp = await makeTempDir("pressroom-limits-");
});
let state: TestState | undefined;
let store: StateStore;
afterEach(async () => {
  await server?.close();
  server = undefined;
  await state?.cleanup();
  state = undefined;
  await temp.cleanup();
});

/** A server on an empty state, timed by the test's clock. */
async function start(extra: Partial<ServerOptions> = {}): Promise<void> {
  if (!state) {
    state = await stateEngines()[0]!.fresh({ clock });
    store = await state.open({ clock });
  }
  server = createServer({ store, config: testConfig(join(temp.dir, "inbox")), secret: SECRET, transport, clock, useListenUrl: true, ...extra });
  ({ url } = await server.listen(0, "127.0.0.1"));
}

const post = (path: string, fields: Record<string, string>) =>
  fetch(`${url}${path}`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(fields).toString(), redirect: "manual" });
const subscribe = (email: string, query = "asylum") => post("/subscribe", { email, query });
const tokenFromMail = (text: string) => decodeURIComponent(/\/confirm\?token=([^\s"<]+)/.exec(text)![1]!);

describe("POST /subscribe rate limits", () => {
  it("sends at most 3 confirmation emails per address per hour, then 429 with Retry-After", async () => {
    await start();
    for (let i = 0; i < 3; i++) expect((await subscribe("target@example.org", `topic${i}`)).status).toBe(200);
    const refused = await subscribe("Target@Example.org");
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("3600");
    expect(refused.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const html = await refused.text();
    expect(html).toMatch(/already sent several confirmation emails to this address/);
    expect(html).toContain("try again in 60 minutes");
    expect(sink.messages).toHaveLength(3);

    clock.advance(30 * 60_000);
    expect((await subscribe("target@example.org")).headers.get("retry-after")).toBe("1800");
    clock.advance(30 * 60_000);
    expect((await subscribe("target@example.org")).status).toBe(200);
    expect(sink.messages).toHaveLength(4);
  });

  it("accepts at most 5 requests per client per 10 minutes, whatever the address", async () => {
    await start();
    for (let i = 0; i < 5; i++) expect((await subscribe(`reader${i}@example.org`)).status).toBe(200);
    const refused = await subscribe("reader9@example.org");
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("600");
    expect(await refused.text()).toMatch(/too many subscription requests from your network; please try again in 10 minutes/);
    expect(sink.messages).toHaveLength(5);
    clock.advance(10 * 60_000);
    expect((await subscribe("reader9@example.org")).status).toBe(200);
  });

  it("does not count requests refused as invalid (a visitor fixing a typo)", async () => {
    await start({ subscribeLimits: { perClient: { limit: 1, windowMs: 60_000 } } });
    for (let i = 0; i < 3; i++) expect((await subscribe("not-an-email")).status).toBe(400);
    expect((await subscribe("ok@example.org")).status).toBe(200);
    expect((await subscribe("ok2@example.org")).status).toBe(429);
  });

  it("takes its limits from the server options", async () => {
    await start({ subscribeLimits: { perEmail: { limit: 1, windowMs: 5_000 } } });
    expect((await subscribe("one@example.org")).status).toBe(200);
    const refused = await subscribe("one@example.org");
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("5");
    clock.advance(5_000);
    expect((await subscribe("one@example.org")).status).toBe(200);
  });

  it("each server keeps its own counts", async () => {
    await start({ subscribeLimits: { perEmail: { limit: 1, windowMs: 60_000 } } });
    expect((await subscribe("own@example.org")).status).toBe(200);
    await server!.close();
    await start({ subscribeLimits: { perEmail: { limit: 1, windowMs: 60_000 } } });
    expect((await subscribe("own@example.org")).status).toBe(200);
  });
});

describe("confirmation links expire after 7 days", () => {
  const subscribers = async () => {
    return store.subscriptions.list();
  };

  it("a link followed after 7 days is refused with 410 and subscribes nobody; the entry is gone", async () => {
    await start();
    expect((await subscribe("late@example.org")).status).toBe(200);
    const token = tokenFromMail(sink.messages[0]!.parsed.text ?? "");
    clock.advance(7 * 24 * 3_600_000 + 1);
    const res = await post("/confirm", { token });
    expect(res.status).toBe(410);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await res.text()).toMatch(/confirmation link has expired .*subscribe again/);
    expect(await subscribers()).toEqual([]);
    const again = await post("/confirm", { token });
    expect(again.status).toBe(400);
  });

  it("a link followed within 7 days still works", async () => {
    await start();
    expect((await subscribe("prompt@example.org")).status).toBe(200);
    const token = tokenFromMail(sink.messages[0]!.parsed.text ?? "");
    clock.advance(7 * 24 * 3_600_000);
    expect((await post("/confirm", { token })).status).toBe(200);
    expect((await subscribers()).map((s) => s.email)).toEqual(["prompt@example.org"]);
  });
});
