import { spawnSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { systemClock } from "../../src/core/clock.js";
import { openState } from "../../src/store/index.js";
import { makeDelivery } from "../store/contract/fixtures.js";
import { startSmtpSink } from "../helpers/smtp-sink.js";
import { createTestDatabase, testDatabaseUrl } from "../helpers/state-engines.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import { ROOT } from "../server/server-fixture.js";
import { spawnDaemon, type DaemonProcess, waitUntil } from "./daemon-process.js";

const running: DaemonProcess[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const d of running.splice(0)) await d.stop("SIGKILL");
  for (const c of cleanups.splice(0).reverse()) await c();
});

beforeAll(() => {
  if (!testDatabaseUrl()) return;
  const built = spawnSync("npm", ["run", "build"], { cwd: ROOT, encoding: "utf8" });
  if (built.status !== 0) throw new Error(`build failed:\n${built.stdout}${built.stderr}`);
}, 120_000);


describe.skipIf(!testDatabaseUrl())("pressroom daemon on PostgreSQL", () => {
  it("is woken by alerts another instance queues (NOTIFY) and sends them between its scheduled runs", async () => {
    const db = await createTestDatabase();
    cleanups.push(db.drop);
    const sink = await startSmtpSink();
    cleanups.push(() => sink.close());
    const temp = await makeTempDir("pressroom-wake-");
    cleanups.push(temp.cleanup);
    const inbox = join(temp.dir, "inbox");
    await mkdir(inbox);
    const configFile = join(temp.dir, "pressroom.yaml");
    // The schedule never fires during the test: only a wake can send.
    await writeFile(configFile, stringify({
      sources: [{ id: "inbox", type: "dump", path: inbox }],
      feeds: { baseUrl: "http://pressroom.test" },
      schedule: { cron: "0 0 1 1 *" },
    }));
    const env = { PRESSROOM_DATABASE_URL: db.url, PRESSROOM_SMTP_URL: sink.url };
    const daemon = spawnDaemon(configFile, join(temp.dir, "state"), ["--no-initial-run", "--no-serve"], env);
    running.push(daemon);
    await daemon.waitFor((l) => l.msg === "listening for queued alerts", "the work listener");

    // Another instance (here: this process) queues alerts through the port; its commit notifies.
    const other = await openState({ kind: "postgres", url: db.url }, { clock: systemClock });
    try {
      const now = new Date().toISOString();
      await other.commit({ deliveries: [makeDelivery("w1", "ann@example.org", now), makeDelivery("w2", "bob@example.org", now)] });
    } finally {
      await other.close();
    }
    await waitUntil(() => sink.messages.length >= 2, "two messages at the sink");
    await daemon.waitFor((l) => l.msg === "woken send finished", "the woken send");
    expect(sink.messages.map((m) => m.to[0]).sort()).toEqual(["ann@example.org", "bob@example.org"]);
    expect(daemon.lines.some((l) => l.msg === "run started")).toBe(false);

    const check = await openState({ kind: "postgres", url: db.url }, { clock: systemClock });
    try {
      expect((await check.outbox.get("w1"))?.status).toBe("sent");
      expect((await check.outbox.get("w2"))?.status).toBe("sent");
    } finally {
      await check.close();
    }
    expect(await daemon.stop("SIGTERM")).toBe(0);
  }, 90_000);
});
