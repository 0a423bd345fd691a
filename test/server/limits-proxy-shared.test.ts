import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { postgresLimits } from "../../src/store/postgres/index.js";
import { parseConfig } from "../../src/config/load.js";
import { fixedClock } from "../../src/core/clock.js";
import type { StateStore } from "../../src/core/ports.js";
import { createMailTransport, type MailTransport } from "../../src/mail/index.js";
import { clientAddress, createServer, emailKey, type PressroomServer, type ServerOptions } from "../../src/server/index.js";
import { createTestDatabase, stateEngines, testDatabaseUrl, type TestState } from "../helpers/state-engines.js";
import { startSmtpSink, type SmtpSink } from "../helpers/smtp-sink.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import { SECRET } from "./server-fixture.js";

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
const servers: PressroomServer[] = [];
let state: TestState | undefined;
let store: StateStore;
beforeEach(async () => {
  sink.reset();
  clock = fixedClock("2024-05-01T12:00:00Z");
  temp = await makeTempDir("pressroom-limits2-");
  state = await stateEngines()[0]!.fresh({ clock });
  store = await state.open({ clock });
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await state?.cleanup();
  await temp.cleanup();
});

const configWith = (server: Record<string, unknown> = {}) =>
  parseConfig({ sources: [{ id: "inbox", type: "dump", path: join(temp.dir, "inbox") }], feeds: { baseUrl: "http://pressroom.test" }, server });

async function start(extra: Partial<ServerOptions> = {}, server: Record<string, unknown> = {}): Promise<string> {
  const s = createServer({ store, config: configWith(server), secret: SECRET, transport, clock, useListenUrl: true, ...extra });
  servers.push(s);
  return (await s.listen(0, "127.0.0.1")).url;
}

const post = (url: string, path: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
  fetch(`${url}${path}`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", ...headers }, body: new URLSearchParams(fields).toString(), redirect: "manual" });

describe("limit keys", () => {
  it.each([
    ["a+1@example.org", "a@example.org"],
    ["A+news+x@Example.ORG", "a@example.org"],
    ["plain@example.org", "plain@example.org"],
  ])("%s counts as %s", (email, key) => expect(emailKey(email)).toBe(key));

  it("believes X-Forwarded-For only from a trusted proxy, taking the nearest untrusted hop", () => {
    expect(clientAddress("10.0.0.9", "1.2.3.4", [])).toBe("10.0.0.9");
    expect(clientAddress("10.0.0.9", "1.2.3.4", ["10.0.0.1"])).toBe("10.0.0.9");
    expect(clientAddress("10.0.0.1", "6.6.6.6, 1.2.3.4", ["10.0.0.1"])).toBe("1.2.3.4");
    expect(clientAddress("::ffff:10.0.0.1", "6.6.6.6, 1.2.3.4, 10.0.0.2", ["10.0.0.1", "10.0.0.2"])).toBe("1.2.3.4");
  });
});

describe("subscribe and confirm limits", () => {
  it("plus-addressed variants of one mailbox count as one address", async () => {
    const url = await start({ subscribeLimits: { perEmail: { limit: 1, windowMs: 60_000 } } });
    expect((await post(url, "/subscribe", { email: "ann+1@example.org", query: "asylum" })).status).toBe(200);
    expect((await post(url, "/subscribe", { email: "ann+2@example.org", query: "asylum" })).status).toBe(429);
  });

  it("caps confirmation emails per hour over every address (server.confirmationsPerHour)", async () => {
    const url = await start({}, { confirmationsPerHour: 2 });
    expect((await post(url, "/subscribe", { email: "a@one.example", query: "asylum" })).status).toBe(200);
    expect((await post(url, "/subscribe", { email: "b@two.example", query: "asylum" })).status).toBe(200);
    const refused = await post(url, "/subscribe", { email: "c@three.example", query: "asylum" });
    expect(refused.status).toBe(429);
    expect(await refused.text()).toContain("too many confirmation emails just now");
    expect(sink.messages).toHaveLength(2);
  });

  it("behind a trusted proxy, limits each X-Forwarded-For client; without trust, the header changes nothing", async () => {
    const trusted = await start({ subscribeLimits: { perClient: { limit: 1, windowMs: 60_000 } } }, { trustProxy: ["127.0.0.1"] });
    expect((await post(trusted, "/subscribe", { email: "a@x.example", query: "q" }, { "x-forwarded-for": "1.1.1.1" })).status).toBe(200);
    expect((await post(trusted, "/subscribe", { email: "b@x.example", query: "q" }, { "x-forwarded-for": "2.2.2.2" })).status).toBe(200);
    expect((await post(trusted, "/subscribe", { email: "c@x.example", query: "q" }, { "x-forwarded-for": "1.1.1.1" })).status).toBe(429);

    const direct = await start({ subscribeLimits: { perClient: { limit: 1, windowMs: 60_000 } } });
    expect((await post(direct, "/subscribe", { email: "d@x.example", query: "q" }, { "x-forwarded-for": "3.3.3.3" })).status).toBe(200);
    expect((await post(direct, "/subscribe", { email: "e@x.example", query: "q" }, { "x-forwarded-for": "4.4.4.4" })).status).toBe(429);
  });

  it("a 503 (mail down) does not use up a slot", async () => {
    let up = false;
    const flaky = { send: (m: Parameters<MailTransport["send"]>[0]) => (up ? transport.send(m) : Promise.reject(new Error("connect ECONNREFUSED"))), close: async () => {} } as unknown as MailTransport;
    const url = await start({ transport: flaky, subscribeLimits: { perEmail: { limit: 1, windowMs: 60_000 }, perClient: { limit: 1, windowMs: 60_000 } } });
    expect((await post(url, "/subscribe", { email: "f@x.example", query: "q" })).status).toBe(503);
    expect((await post(url, "/subscribe", { email: "f@x.example", query: "q" })).status).toBe(503);
    up = true;
    expect((await post(url, "/subscribe", { email: "f@x.example", query: "q" })).status).toBe(200);
    expect((await post(url, "/subscribe", { email: "f@x.example", query: "q" })).status).toBe(429);
  });

  it("POST /confirm is rate limited per client", async () => {
    const url = await start({ subscribeLimits: { confirmPerClient: { limit: 2, windowMs: 60_000 } } });
    const token = "AbCdEfGhIjKlMnOpQrStUvWxYz012345";
    expect((await post(url, "/confirm", { token })).status).toBe(400);
    expect((await post(url, "/confirm", { token })).status).toBe(400);
    const refused = await post(url, "/confirm", { token });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("60");
  });
});

describe.runIf(testDatabaseUrl())("limits shared across instances on PostgreSQL (rate-limiter-flexible)", () => {
  it("a second server sees the first one's hits", async () => {
    const db = await createTestDatabase();
    const limits = postgresLimits(db.url);
    try {
      const a = await start({ sharedLimits: limits.factory, subscribeLimits: { perEmail: { limit: 1, windowMs: 60_000 } } });
      const b = await start({ sharedLimits: limits.factory, subscribeLimits: { perEmail: { limit: 1, windowMs: 60_000 } } });
      expect((await post(a, "/subscribe", { email: "g+a@x.example", query: "q" })).status).toBe(200);
      expect((await post(b, "/subscribe", { email: "g+b@x.example", query: "q" })).status).toBe(429);
    } finally {
      await limits.close();
      await db.drop();
    }
  });
});
