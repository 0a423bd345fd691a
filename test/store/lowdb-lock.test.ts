import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/core/clock.js";
import { isPressroomError } from "../../src/core/errors.js";
import type { StateStore } from "../../src/core/ports.js";
import { openLowdbState, type LowdbStateOptions } from "../../src/store/lowdb/open-lowdb-state.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import { iso, makeDelivery, makeRelease, makeTopic, NOW } from "./contract/fixtures.js";
import { SCHEMA_VERSION } from "../../src/store/lowdb/layout.js";
import { buildEngine, enginePath } from "./lowdb-support.js";

const clock = fixedClock(NOW);

/** A real process holding the state exclusively (a daemon), optionally committing on "commit\n" from stdin. */
function holder(dir: string): Promise<ChildProcess> {
  const release = makeRelease("Committed by the daemon", "2024-05-06");
  const code = `
    const { openLowdbState } = await import(${JSON.stringify(enginePath())});
    const store = await openLowdbState(${JSON.stringify(dir)}, { clock: { now: () => new Date(${JSON.stringify(NOW)}) }, command: "pressroom daemon" });
    process.stdin.on("data", async () => {
      await store.commit({ releases: [${JSON.stringify(release)}], placements: [{ feed: "all", entry: { id: ${JSON.stringify(release.id)}, date: "2024-05-06", updatedAt: ${JSON.stringify(release.updatedAt)} } }] });
      console.log("committed");
    });
    console.log("held");`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", code], { stdio: ["pipe", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    child.stdout!.once("data", (d: Buffer) => (d.toString().includes("held") ? resolve(child) : reject(new Error(d.toString()))));
    child.on("exit", (c) => reject(new Error(`holder exited with ${c}`)));
  });
}

const said = (child: ChildProcess, word: string) => new Promise<void>((resolve) => child.stdout!.on("data", (d: Buffer) => { if (d.toString().includes(word)) resolve(); }));

describe("lowdb lock and shared mode", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const handles: StateStore[] = [];
  const children: ChildProcess[] = [];
  const open = async (options: Partial<LowdbStateOptions> = {}) => {
    const store = await openLowdbState(dir, { clock, lockWaitMs: 1_000, ...options });
    handles.push(store);
    return store;
  };
  beforeAll(async () => { await buildEngine(); }, 120_000);
  beforeEach(async () => ({ dir, cleanup } = await makeTempDir("pressroom-lowdb-lock-")));
  afterEach(async () => {
    for (const c of children.splice(0)) c.kill("SIGKILL");
    for (const h of handles.splice(0)) await h.close().catch(() => {});
    await cleanup();
  });

  it("a second exclusive opener calls onLockWait at once, then fails STATE_LOCKED naming the holder's pid and command", async () => {
    const first = await open({ command: "pressroom run" });
    const waits: [string, number][] = [];
    const error = await openLowdbState(dir, { clock, lockWaitMs: 300, command: "pressroom status", onLockWait: (h, ms) => waits.push([h, ms]) }).catch((e: unknown) => e);
    expect(isPressroomError(error, "STATE_LOCKED")).toBe(true);
    expect((error as Error).message).toContain(`pid ${process.pid}, pressroom run`);
    expect(waits).toHaveLength(1);
    expect(waits[0]![0]).toContain(`pid ${process.pid}, pressroom run`);
    expect(waits[0]![1]).toBe(300);
    await first.close();
  });

  it("keeps its lock past the lock's refresh (10 s): writing the owner file is not a takeover", { timeout: 30_000 }, async () => {
    const store = await open({ command: "pressroom import" });
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on("warning", onWarning);
    try {
      await new Promise((r) => setTimeout(r, 11_500));
      await store.commit({ releases: [makeRelease("Committed after a refresh", "2024-05-06")] });
      expect(warnings.filter((w) => w.includes("compromised"))).toEqual([]);
    } finally {
      process.off("warning", onWarning);
    }
  });

  it("onLockWait comes before the wait ends: closing the holder from it lets the waiter in", async () => {
    const first = await open({ command: "pressroom run" });
    let told = false;
    const second = await open({
      lockWaitMs: 30_000,
      onLockWait: () => {
        told = true;
        void first.close();
      },
    });
    expect(told).toBe(true);
    await second.commit({ releases: [makeRelease("After the wait", "2024-01-01")] });
  });

  it("no callback when the lock is free", async () => {
    let told = false;
    await open({ onLockWait: () => (told = true) });
    expect(told).toBe(false);
  });

  it("a killed holder's lock is taken over at once by the next opener", async () => {
    await (await open()).close();
    const child = await holder(dir);
    child.kill("SIGKILL");
    await new Promise((r) => child.on("exit", r));
    let told = false;
    const store = await open({ lockWaitMs: 500, onLockWait: () => (told = true) });
    expect(told).toBe(false);
    expect(store.engine).toBe("lowdb");
  });

  it("shared mode reads beside a daemon in another process, sees its commits, and a write fails STATE_LOCKED quickly", { timeout: 30_000 }, async () => {
    await (await open()).close();
    const daemon = await holder(dir);
    children.push(daemon);
    const serve = await open({ mode: "shared", lockWaitMs: 200, command: "pressroom serve" });
    const g0 = await serve.generation();
    expect(await serve.feeds.entries("all")).toEqual([]);
    expect(await serve.releases.count()).toBe(0);

    const done = said(daemon, "committed");
    daemon.stdin!.write("commit\n");
    await done;
    expect(await serve.generation()).not.toBe(g0);
    expect(await serve.releases.count()).toBe(1);
    expect((await serve.feeds.entries("all")).map((e) => e.date)).toEqual(["2024-05-06"]);

    const error = await serve.subscriptions.putPending({ token: "t", email: "ann@example.org", query: "asylum", frequency: "daily", createdAt: NOW }).catch((e: unknown) => e);
    expect(isPressroomError(error, "STATE_LOCKED")).toBe(true);
    expect((error as Error).message).toContain(`pid ${daemon.pid}, pressroom daemon`);
    expect(await serve.subscriptions.countPending()).toBe(0);
  });

  it("shared mode writes under the lock for their duration, and an exclusive handle sees them after", async () => {
    const serve = await open({ mode: "shared" });
    await serve.subscriptions.addTopic("ann@example.org", makeTopic("t-asylum", "asylum"), "web");
    await serve.outbox.enqueue([makeDelivery("d1", "ann@example.org", iso(1))]);
    // Between writes the lock is free: an exclusive handle opens at once…
    const cli = await open({ lockWaitMs: 0 });
    expect((await cli.subscriptions.get("ann@example.org"))?.topics.map((t) => t.id)).toEqual(["t-asylum"]);
    expect((await cli.outbox.pending()).map((d) => d.id)).toEqual(["d1"]);
    await cli.subscriptions.removeTopics("ann@example.org");
    await cli.close();
    // …and the shared handle notices that process's write.
    expect(await serve.subscriptions.get("ann@example.org")).toBeUndefined();
    expect((await serve.outbox.get("d1"))?.status).toBe("cancelled");
  });

  it("a shared opener re-applies a journal a crash left when nobody holds the lock", async () => {
    await (await open()).close();
    const body = JSON.stringify({ files: [{ path: "generation", data: "41" }] , log: `${JSON.stringify({ op: "put", d: makeDelivery("j1", "ann@example.org", iso(0)) })}\n` });
    await writeFile(join(dir, "journal.json"), `${createHash("sha256").update(body).digest("hex")}\n${body}`);
    const serve = await open({ mode: "shared" });
    expect(await serve.generation()).toBe("41");
    expect((await serve.outbox.pending()).map((d) => d.id)).toEqual(["j1"]);
    expect(existsSync(join(dir, "journal.json"))).toBe(false);
    // Also one that appears while it is open (a daemon killed mid-commit).
    const body2 = JSON.stringify({ files: [{ path: "generation", data: "42" }, { path: "sources.json", data: JSON.stringify({ sources: { govuk: { id: "govuk", consecutiveFailures: 0, recentItemCounts: [], recentGapsHours: [], cursor: { page: 9 } } } }) }] });
    await writeFile(join(dir, "journal.json"), `${createHash("sha256").update(body2).digest("hex")}\n${body2}`);
    expect((await serve.sources.get("govuk")).cursor).toEqual({ page: 9 });
    expect(await serve.generation()).toBe("42");
    expect(existsSync(join(dir, "journal.json"))).toBe(false);
  });

  it("refuses a state written by a newer Pressroom", async () => {
    await writeFile(join(dir, "meta.json"), JSON.stringify({ schemaVersion: SCHEMA_VERSION + 1, createdAt: NOW }));
    const error = await openLowdbState(dir, { clock }).catch((e: unknown) => e);
    expect(isPressroomError(error, "STATE_SCHEMA")).toBe(true);
    expect((error as Error).message).toMatch(/was written by a newer Pressroom.*upgrade Pressroom/);
    const shared = await openLowdbState(dir, { clock, mode: "shared" }).catch((e: unknown) => e);
    expect(isPressroomError(shared, "STATE_SCHEMA")).toBe(true);
  });
});
