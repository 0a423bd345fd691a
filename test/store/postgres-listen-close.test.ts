import net from "node:net";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { listenPostgresChanges } from "../../src/store/postgres/index.js";
import { createTestDatabase, testDatabaseUrl } from "../helpers/state-engines.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A TCP proxy to PostgreSQL whose new connections can be held (a slow or flapping network). */
async function startProxy(target: URL) {
  let hold = false;
  const held: (() => void)[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((inbound) => {
    sockets.add(inbound);
    const forward = () => {
      const outbound = net.connect(Number(target.port || 5432), target.hostname);
      sockets.add(outbound);
      inbound.pipe(outbound).pipe(inbound);
      inbound.on("error", () => outbound.destroy());
      outbound.on("error", () => inbound.destroy());
      inbound.on("close", () => outbound.destroy());
      outbound.on("close", () => inbound.destroy());
    };
    if (hold) held.push(forward);
    else forward();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    held: () => held.length,
    setHold: (h: boolean) => {
      hold = h;
    },
    releaseHeld: () => {
      for (const f of held.splice(0)) f();
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe.skipIf(!testDatabaseUrl())("PostgreSQL LISTEN connection closed during a reconnect", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
  });

  it("close() during a reconnect leaves no LISTEN connection open and calls no handler afterwards", async () => {
    const db = await createTestDatabase();
    cleanups.push(db.drop);
    const target = new URL(db.url);
    const proxy = await startProxy(target);
    cleanups.push(proxy.close);
    const viaProxy = new URL(db.url);
    viaProxy.hostname = "127.0.0.1";
    viaProxy.port = String(proxy.port);

    let closedAt: number | undefined;
    const lateCalls: string[] = [];
    const listener = await listenPostgresChanges(viaProxy.toString(), {
      onFeeds: () => {
        if (closedAt !== undefined) lateCalls.push("onFeeds");
      },
      onWork: () => {
        if (closedAt !== undefined) lateCalls.push("onWork");
      },
    });

    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    cleanups.push(() => admin.end());
    const listening = async () =>
      Number((await admin.query<{ n: string }>("select count(*) as n from pg_stat_activity where datname = current_database() and application_name = 'pressroom listen'")).rows[0]!.n);
    expect(await listening()).toBe(1);

    // The network hiccups: the listener's connection is dropped and its reconnect is slow.
    proxy.setHold(true);
    await admin.query("select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and application_name = 'pressroom listen'");
    for (let i = 0; i < 100 && proxy.held() === 0; i++) await sleep(50);
    expect(proxy.held()).toBe(1); // the reconnect attempt is under way

    // The process shuts down meanwhile (serve/daemon on SIGTERM).
    await listener.close();
    closedAt = Date.now();

    // The network comes back.
    proxy.setHold(false);
    proxy.releaseHeld();
    await sleep(1_500);

    const open = await listening();
    expect(open).toBe(0);
    expect(lateCalls).toEqual([]);
  }, 30_000);
});
