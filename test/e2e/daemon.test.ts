import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { copyFile, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { startFixtureServer, type FixtureServer } from "../helpers/fixture-server.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import { validateAtom } from "../helpers/validate-atom.js";
import { KINDS_DUMP, ROOT, SAMPLE_DUMP } from "../server/server-fixture.js";
import { MAIN, spawnDaemon, type DaemonProcess } from "./daemon-process.js";

const LISTS_DUMP = join(ROOT, "test/fixtures/dump/lists-in-body.txt");
const EMPTY_FEED = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Slow</title><id>tag:slow.test,2024:feed</id><updated>2024-01-01T00:00:00Z</updated></feed>`;

const running: DaemonProcess[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const d of running.splice(0)) await d.stop("SIGKILL");
  for (const c of cleanups.splice(0)) await c();
});

beforeAll(() => {
  // `npm test` builds first (pretest); a direct `vitest run` may find an old dist.
  const built = spawnSync("npm", ["run", "build"], { cwd: ROOT, encoding: "utf8" });
  if (built.status !== 0) throw new Error(`build failed:\n${built.stdout}${built.stderr}`);
}, 120_000);

async function setUp(schedule: Record<string, string>, sources?: unknown[]) {
  const temp = await makeTempDir("pressroom-daemon-");
  cleanups.push(temp.cleanup);
  const inbox = join(temp.dir, "inbox");
  await mkdir(inbox);
  const configFile = join(temp.dir, "pressroom.yaml");
  await writeFile(configFile, stringify({
    sources: sources ?? [{ id: "inbox", type: "dump", path: inbox }],
    feeds: { baseUrl: "http://pressroom.test" },
    schedule,
    server: { port: 0, host: "127.0.0.1" },
  }));
  return { dir: temp.dir, inbox, configFile, stateDir: join(temp.dir, "state") };
}

const start = (configFile: string, stateDir: string, extra: string[] = []) => {
  const d = spawnDaemon(configFile, stateDir, extra);
  running.push(d);
  return d;
};
const runFinished = (line: { msg?: string }) => line.msg === "run finished";

/** Every stored release id (month shards), with repeats if any. */
/** Ids of every stored release, read through the engine (shared mode: no lock, no writes). */
async function storedIds(stateDir: string): Promise<string[]> {
  const { openLowdbState } = await import("../../src/store/lowdb/open-lowdb-state.js");
  const { systemClock } = await import("../../src/core/clock.js");
  const store = await openLowdbState(stateDir, { clock: systemClock, mode: "shared" });
  const ids: string[] = [];
  try {
    for await (const release of store.releases.all()) ids.push(release.id);
  } finally {
    await store.close();
  }
  return ids.sort();
}

async function listFeeds(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listFeeds(dir, rel)));
    else if (entry.name.endsWith(".atom")) out.push(rel);
  }
  return out;
}

describe("pressroom daemon", () => {
  it("runs on schedule, refuses a second daemon, finishes the run in flight on SIGTERM and loses nothing on restart", async () => {
    const slow: FixtureServer = await startFixtureServer({ routes: { "/slow.atom": { body: EMPTY_FEED, contentType: "application/atom+xml", delayMs: 1_500 } } });
    cleanups.push(() => slow.close());
    const env = await setUp({ cron: "*/2 * * * * *", timezone: "UTC" }, []);
    await writeFile(env.configFile, (await readFile(env.configFile, "utf8")).replace("sources: []", stringify({
      sources: [{ id: "inbox", type: "dump", path: env.inbox }, { id: "slow", type: "feed", url: slow.url("/slow.atom") }],
    }).trimEnd()));
    await copyFile(SAMPLE_DUMP, join(env.inbox, "a.txt"));

    const first = start(env.configFile, env.stateDir);
    const listening = await first.waitFor((l) => l.msg === "server listening", "server listening");
    const url = String(first.lines[listening]!.url);
    const firstRun = await first.waitFor(runFinished, "the initial run");
    expect(first.lines[firstRun]).toMatchObject({ ok: true, new: 10, sources: 2 });
    expect(typeof first.lines[firstRun]!.durationMs).toBe("number");
    expect(first.lines.every((l) => typeof l.msg === "string")).toBe(true);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);

    // One daemon per state folder.
    const second = start(env.configFile, env.stateDir);
    expect(await second.exited).toBe(3);
    expect(second.output()).toMatch(/a daemon is already running: state folder .* is in use by another Pressroom process \(pid \d+, pressroom daemon/);

    // A file dropped into the inbox is picked up by a scheduled run.
    await copyFile(KINDS_DUMP, join(env.inbox, "b.txt"));
    const picked = await first.waitFor((l) => runFinished(l) && Number(l.new) > 0, "a run finding the new file", firstRun);
    expect(first.lines.slice(firstRun + 1, picked + 1).some((l) => l.msg === "run started" && l.reason === "schedule")).toBe(true);

    // SIGTERM while a run is waiting on the slow source: the run finishes, then the daemon exits 0.
    await copyFile(LISTS_DUMP, join(env.inbox, "c.txt"));
    const before = slow.requestsTo("/slow.atom").length;
    const deadline = Date.now() + 20_000;
    while (slow.requestsTo("/slow.atom").length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    const stopping = first.lines.findIndex((l) => l.msg === "shutting down");
    expect(stopping).toBeGreaterThan(0);
    expect(first.lines.slice(stopping).some(runFinished)).toBe(true);
    expect(first.lines.at(-1)?.msg).toBe("daemon stopped");

    // State is whole: JSON parses, feeds are valid Atom.
    JSON.parse(await readFile(join(env.stateDir, "sources.json"), "utf8"));
    JSON.parse(await readFile(join(env.stateDir, "feeds.json"), "utf8"));
    // A finished commit leaves no journal behind.
    expect(existsSync(join(env.stateDir, "journal.json"))).toBe(false);
    const feeds = await listFeeds(join(env.stateDir, "feeds"));
    expect(feeds).toContain("all.atom");
    for (const feed of feeds) await validateAtom(await readFile(join(env.stateDir, "feeds", feed), "utf8"));

    // Restart: the next run completes; every release of the three files is there, once.
    const again = start(env.configFile, env.stateDir, ["--no-serve"]);
    await again.waitFor(runFinished, "a run after restart");
    expect(await again.stop()).toBe(0);
    const reference = join(env.dir, "reference");
    const imported = spawnSync(process.execPath, [MAIN, "--state", reference, "import", join(env.inbox, "a.txt"), join(env.inbox, "b.txt"), join(env.inbox, "c.txt")], { encoding: "utf8" });
    expect(imported.status, imported.stderr).toBe(0);
    const ids = await storedIds(env.stateDir);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(await storedIds(reference));
    expect(ids.length).toBe(15);
  }, 90_000);

  it("a digest wake-up's run sends in that digest what it finds itself (it plans from its slot, not from when it read)", async () => {
    // Polls never fire on their own here; the daily digest wakes the daemon every 3 seconds.
    const env = await setUp({ cron: "0 0 1 1 *", timezone: "UTC", dailyDigest: "*/3 * * * * *", weeklyDigest: "0 0 1 1 *" });
    await writeFile(env.configFile, `${await readFile(env.configFile, "utf8")}${stringify({ subscriptions: [{ email: "desk@example.org", topics: [{ query: "police", frequency: "daily" }] }] })}`);
    const d = start(env.configFile, env.stateDir, ["--no-serve"]);
    // The first run reads an empty inbox: the source's baseline, so what comes later alerts.
    const first = await d.waitFor(runFinished, "the initial run");
    // In whole, between two wake-ups' reads: a file renamed into the inbox.
    const staged = join(env.dir, "sample.txt");
    await copyFile(SAMPLE_DUMP, staged);
    const { rename } = await import("node:fs/promises");
    await rename(staged, join(env.inbox, "sample.txt"));
    const found = await d.waitFor((l) => runFinished(l) && Number(l.new) > 0, "the wake-up's run finding the file", first, 20_000);
    const started = d.lines.map((l) => l.msg).lastIndexOf("run started", found);
    expect(d.lines[started]).toMatchObject({ reason: "daily-digest" });
    const slot = new Date(String(d.lines[started]!.wokeAt));
    expect([slot.getUTCSeconds() % 3, slot.getUTCMilliseconds()]).toEqual([0, 0]);
    // Its own flush sent the digest: before, the digest waited for the next wake-up.
    expect(Number(d.lines[found]!.enqueued)).toBeGreaterThan(0);
    expect(d.lines[found]).toMatchObject({ ok: true, sent: Number(d.lines[found]!.enqueued), pending: 0 });
    expect(await d.stop()).toBe(0);
  }, 60_000);

  it.each([
    [{ cron: "every 2 seconds" }, /schedule\.cron "every 2 seconds" is not a valid cron expression/],
    [{ timezone: "Europe/Londn" }, /schedule\.timezone "Europe\/Londn" is not a known time zone/],
    [{ dailyDigest: "99 8 * * *" }, /schedule\.dailyDigest "99 8 \* \* \*"/],
  ])("rejects the schedule %j at start with a clear message", async (schedule, message) => {
    const env = await setUp(schedule);
    const d = start(env.configFile, env.stateDir);
    expect(await d.exited).toBe(2);
    expect(d.output()).toMatch(message);
    expect(d.output()).toMatch(/^pressroom: /m);
  });

  it("SIGINT before any run stops at once with --no-initial-run", async () => {
    const env = await setUp({ cron: "0 0 1 1 *" });
    const d = start(env.configFile, env.stateDir, ["--no-initial-run"]);
    await d.waitFor((l) => l.msg === "daemon started", "daemon started");
    expect(await d.stop("SIGINT")).toBe(0);
    expect(d.lines.some(runFinished)).toBe(false);
  });
});
