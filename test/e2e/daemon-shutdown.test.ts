import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { systemClock } from "../../src/core/clock.js";
import { openState, type StateTarget } from "../../src/store/index.js";
import { spawnDaemon, type DaemonProcess, waitUntil } from "./daemon-process.js";
import { runCli } from "../helpers/run-cli.js";
import { startSmtpSink } from "../helpers/smtp-sink.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import { createTestDatabase, testDatabaseUrl } from "../helpers/state-engines.js";
import { makeDelivery } from "../store/contract/fixtures.js";
import { SAMPLE_DUMP } from "../server/server-fixture.js";

const running: DaemonProcess[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const d of running.splice(0)) await d.stop("SIGKILL");
  for (const c of cleanups.splice(0).reverse()) await c();
});


async function setUp(config: Record<string, unknown>) {
  const temp = await makeTempDir("pressroom-daemon-stop-");
  cleanups.push(temp.cleanup);
  const configFile = join(temp.dir, "pressroom.yaml");
  await writeFile(configFile, stringify({ feeds: { baseUrl: "http://pressroom.test" }, server: { port: 0, host: "127.0.0.1" }, ...config }));
  return { dir: temp.dir, configFile, stateDir: join(temp.dir, "state") };
}

/** Queues an immediate alert to each of 20 addresses in the state. */
async function queueTwentyAlerts(target: StateTarget): Promise<void> {
  const store = await openState(target, { clock: systemClock });
  try {
    const now = new Date().toISOString();
    await store.commit({ deliveries: Array.from({ length: 20 }, (_, i) => makeDelivery(`d${i}`, `user${i}@example.org`, now)) });
  } finally {
    await store.close();
  }
}

describe("daemon on an unusable state", () => {
  it("a daemon started on a state folder with a corrupt file exits 3 naming the file (README exit code 3)", async () => {
    const env = await setUp({ sources: [{ id: "sample", type: "dump", path: SAMPLE_DUMP }], schedule: { cron: "*/2 * * * * *", timezone: "UTC" } });
    const first = await runCli(["--config", env.configFile, "--state", env.stateDir, "run"]);
    expect(first.code, first.stderr).toBe(0);
    await writeFile(join(env.stateDir, "sources.json"), "{broken");
    // `run` on this state: exit 3 with the file named (as the README says for every command).
    const run = await runCli(["--config", env.configFile, "--state", env.stateDir, "run"]);
    expect(run.code).toBe(3);

    const d = spawnDaemon(env.configFile, env.stateDir);
    running.push(d);
    // Give it time for the initial run and two scheduled runs.
    const exitedIn5s = await Promise.race([d.exited, new Promise<"still running">((r) => setTimeout(() => r("still running"), 5_000))]);
    const failedRuns = d.lines.filter((l) => l.msg === "run failed").length;
    expect({ exitedIn5s, failedRuns }).toEqual({ exitedIn5s: 3, failedRuns: expect.any(Number) });
  }, 30_000);

  it("a daemon --no-serve on a state folder written by a newer Pressroom exits 3 (like `run` and `daemon` with the server)", async () => {
    const env = await setUp({ sources: [{ id: "sample", type: "dump", path: SAMPLE_DUMP }], schedule: { cron: "*/2 * * * * *", timezone: "UTC" } });
    const first = await runCli(["--config", env.configFile, "--state", env.stateDir, "run"]);
    expect(first.code, first.stderr).toBe(0);
    await writeFile(join(env.stateDir, "meta.json"), JSON.stringify({ schemaVersion: 99, createdAt: new Date().toISOString() }));
    const d = spawnDaemon(env.configFile, env.stateDir, ["--no-serve"]);
    running.push(d);
    const exitedIn5s = await Promise.race([d.exited, new Promise<"still running">((r) => setTimeout(() => r("still running"), 5_000))]);
    expect(exitedIn5s).toBe(3);
  }, 30_000);
});

describe("daemon shutdown while sending", () => {
  it("lowdb: SIGTERM while sending stops starting alerts and exits 0; a second signal exits 130; neither leaves a lock folder", async () => {
    const sink = await startSmtpSink();
    cleanups.push(() => sink.close());
    const env = await setUp({ sources: [], schedule: { cron: "0 0 1 1 *", timezone: "UTC" }, mail: { connections: 1 } });
    await queueTwentyAlerts({ kind: "lowdb", dir: env.stateDir });
    sink.slow(1_000);
    const d = spawnDaemon(env.configFile, env.stateDir, ["--no-serve", "--shutdown-timeout", "5"], { PRESSROOM_SMTP_URL: sink.url });
    running.push(d);
    await waitUntil(() => sink.messages.length >= 1, "the first alert at the sink");
    d.child.kill("SIGTERM");
    expect(await d.exited).toBe(0);
    // The message in flight finished; no other started after the signal.
    expect(d.lines.some((l) => l.msg === "run abandoned at shutdown")).toBe(false);
    expect(sink.messages.length).toBeLessThan(5);
    expect(existsSync(join(env.stateDir, "state.lock.lock"))).toBe(false);

    // Again, and a second signal before the run ends (the message in flight waits 10 s for its
    // answer): exit 130 at once, the lock folder removed all the same.
    sink.slow(10_000);
    const again = spawnDaemon(env.configFile, env.stateDir, ["--no-serve", "--shutdown-timeout", "30"], { PRESSROOM_SMTP_URL: sink.url });
    running.push(again);
    const before = sink.messages.length;
    await waitUntil(() => sink.messages.length > before, "an alert of the second daemon");
    again.child.kill("SIGTERM");
    await again.waitFor((l) => l.msg === "shutting down", "the first signal taken");
    again.child.kill("SIGTERM");
    expect(await again.exited).toBe(130);
    expect(existsSync(join(env.stateDir, "state.lock.lock"))).toBe(false);
    expect(existsSync(join(env.stateDir, "daemon.lock.lock"))).toBe(false);
  }, 60_000);

  it.skipIf(!testDatabaseUrl())("postgres: after SIGTERM while sending, the daemon gives its claims back: a run right after sends the rest", async () => {
    const db = await createTestDatabase();
    cleanups.push(db.drop);
    const sink = await startSmtpSink();
    cleanups.push(() => sink.close());
    const env = await setUp({ sources: [], schedule: { cron: "0 0 1 1 *", timezone: "UTC" }, mail: { connections: 1 } });
    await queueTwentyAlerts({ kind: "postgres", url: db.url });
    sink.slow(1_000);
    const pgEnv = { PRESSROOM_SMTP_URL: sink.url, PRESSROOM_DATABASE_URL: db.url };
    const d = spawnDaemon(env.configFile, env.stateDir, ["--no-serve", "--shutdown-timeout", "1"], pgEnv);
    running.push(d);
    await waitUntil(() => sink.messages.length >= 1, "the first alert at the sink");
    d.child.kill("SIGTERM");
    expect(await d.exited).toBe(0);
    const sentBeforeStop = new Set(sink.messages.map((m) => m.to[0])).size;

    sink.slow(0);
    const next = await runCli(["--config", env.configFile, "--state", env.stateDir, "run"], { env: pgEnv });
    expect(next.code, next.stderr).toBe(0);
    const delivered = new Set(sink.messages.map((m) => m.to[0])).size;
    expect({ sentBeforeStop, delivered, runOutput: next.stdout.trim() }).toEqual({ sentBeforeStop, delivered: 20, runOutput: expect.any(String) });
  }, 60_000);
});
