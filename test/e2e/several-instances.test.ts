import { spawn } from "node:child_process";
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { systemClock } from "../../src/core/clock.js";
import { openPostgresState } from "../../src/store/postgres/open-postgres-state.js";
import { SAMPLE } from "../helpers/pipeline-harness.js";
import { CLI, REPO } from "../helpers/run-cli.js";
import { startSmtpSink, type SmtpSink } from "../helpers/smtp-sink.js";
import { createTestDatabase, testDatabaseUrl } from "../helpers/state-engines.js";
import { makeTempDir } from "../helpers/temp-dir.js";

/*
 * Several Pressroom instances on one PostgreSQL database: three `pressroom run` processes at once
 * (each with a state folder of its own, as on three machines) over one inbox source and 40
 * subscribers, sending to a real SMTP server on loopback.
 */

const SUBSCRIBERS = 40;
const addressOf = (i: number) => `reader${String(i).padStart(2, "0")}@example.org`;
const topicOf = (i: number) => (i % 2 === 0 ? "police" : "asylum OR hotels");

/** Two releases that match the two topics: the sample's own releases are the baseline. */
function newReleases(): string {
  const block = (title: string, body: string) =>
    `  • PRESS RELEASE : ${title} [October 2023]\n\n    PRESS RELEASE : ${title} [October 2023]\n\n    The press release issued by the Home Office on 31 October 2023.\n\n    ${body}\n\n`;
  return `Tag: Home Office\n\n${block("Police to expand facial recognition vans", "Police forces will use more facial recognition vans.")}${block("New accommodation sites announced", "The Home Office will move people out of asylum hotels.")}`;
}

interface Outcome {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function startRun(config: string, state: string, env: Record<string, string>) {
  const child = spawn(process.execPath, [CLI, "--config", config, "--state", state, "run"], { cwd: REPO, env: { ...process.env, ...env, PRESSROOM_LOG_LEVEL: "warn" }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Outcome>((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
  return { child, done };
}

const withPostgres = testDatabaseUrl() ? describe : describe.skip;

withPostgres("several instances on one PostgreSQL database", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let sink: SmtpSink;
  let config: string;
  let env: Record<string, string>;

  beforeEach(async () => {
    ({ dir, cleanup } = await makeTempDir());
    db = await createTestDatabase();
    sink = await startSmtpSink();
    const inbox = join(dir, "inbox");
    await mkdir(inbox);
    await copyFile(SAMPLE, join(inbox, "a.txt"));
    config = join(dir, "pressroom.yaml");
    const subscriptions = Array.from({ length: SUBSCRIBERS }, (_, i) => `  - { email: ${addressOf(i)}, topics: [{ query: "${topicOf(i)}" }] }`).join("\n");
    await writeFile(config, `sources:\n  - { id: inbox, type: dump, path: inbox }\nmail:\n  claimLeaseSeconds: 2\nsubscriptions:\n${subscriptions}\n`);
    env = { PRESSROOM_DATABASE_URL: db.url, PRESSROOM_SMTP_URL: sink.url, PRESSROOM_SECRET: "several-instances-secret-0123456789" };
    // The baseline: one run reads the sample (alerting nobody) and seeds the 40 subscribers.
    const baseline = await startRun(config, join(dir, "s0"), env).done;
    expect(baseline.code, baseline.stderr).toBe(0);
    expect(sink.messages).toHaveLength(0);
    await writeFile(join(inbox, "b.txt"), newReleases());
  });
  afterEach(async () => {
    await sink.close();
    await db.drop();
    await cleanup();
  });

  /** Every alert expected: each subscriber hears of the one new release their topic matches. */
  const expected = () =>
    Array.from({ length: SUBSCRIBERS }, (_, i) => `${addressOf(i)} ${topicOf(i) === "police" ? "[Pressroom] Police to expand facial recognition vans" : "[Pressroom] New accommodation sites announced"}`).sort();

  /** (recipient, subject) → the Message-IDs it arrived under. */
  const arrivals = () => {
    const by = new Map<string, Set<string>>();
    for (const m of sink.messages) {
      const key = `${m.to.join(",")} ${m.parsed.subject ?? ""}`;
      if (!by.has(key)) by.set(key, new Set());
      by.get(key)!.add(m.messageId ?? "");
    }
    return by;
  };

  async function checkFeeds(): Promise<void> {
    const store = await openPostgresState(db.url, { clock: systemClock });
    try {
      const all = await store.feeds.get("all");
      expect(all?.xml.match(/<entry>/g)).toHaveLength(12);
      expect(await store.feeds.dirty()).toEqual([]);
      expect((await store.outbox.stats(new Date())).pending).toBe(0);
    } finally {
      await store.close();
    }
  }

  it("three runs at once: the source is polled once, every alert arrives exactly once, every feed is complete", async () => {
    // The lease is 2 s: on a loaded machine a run's claim reaches half of it while it sends, and the
    // run must give the rest back and claim again, not end with alerts unsent.
    const runs = [1, 2, 3].map((n) => startRun(config, join(dir, `s${n}`), env));
    const outcomes = await Promise.all(runs.map((r) => r.done));
    for (const o of outcomes) expect(o.code, o.stderr).toBe(0);
    // Exactly one instance found the two new releases; the others skipped the source or found nothing new.
    expect(outcomes.filter((o) => /inbox: 2 new/.test(o.stdout))).toHaveLength(1);
    expect([...arrivals().keys()].sort()).toEqual(expected());
    expect(sink.messages).toHaveLength(SUBSCRIBERS);
    await checkFeeds();
  }, 120_000);

  it("one of three killed (-9) while it sends: nothing is lost, a duplicate only under its first Message-ID", async () => {
    sink.slow(100);
    const runs = [1, 2, 3].map((n) => startRun(config, join(dir, `s${n}`), env));
    const deadline = Date.now() + 30_000;
    while (sink.messages.length < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    runs[0]!.child.kill("SIGKILL");
    const rest = await Promise.all(runs.slice(1).map((r) => r.done));
    for (const o of rest) expect(o.code, o.stderr).toBe(0);
    // The killed sender's claims come back when its 2 s lease ends: the next run sends them.
    await new Promise((r) => setTimeout(r, 2_500));
    sink.slow(0);
    const recovery = await startRun(config, join(dir, "s4"), env).done;
    expect(recovery.code, recovery.stderr).toBe(0);
    const got = arrivals();
    expect([...got.keys()].sort()).toEqual(expected());
    for (const [key, ids] of got) expect(ids.size, key).toBe(1);
    // At most the messages in flight in the killed process arrive twice: one per connection (mail.connections, 4).
    expect(sink.messages.length - SUBSCRIBERS).toBeLessThanOrEqual(4);
    await checkFeeds();
  }, 120_000);
});

