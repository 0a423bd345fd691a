import { afterEach, describe, expect, it, vi } from "vitest";

// A pause an OS scheduler can impose anywhere: here, between the server's open of requests.jsonl
// and its write (the `stat` in Disk.append). Nothing else about the file system changes.
const gate = vi.hoisted(() => ({ hold: false, opened: undefined as undefined | (() => void), release: undefined as undefined | Promise<void> }));
vi.mock("node:fs/promises", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs/promises")>();
  const open = async (...args: Parameters<typeof fs.open>) => {
    const handle = await fs.open(...args);
    if (gate.hold && String(args[0]).endsWith("requests.jsonl") && args[1] === "a") {
      gate.hold = false;
      const stat = handle.stat.bind(handle);
      (handle as { stat: typeof handle.stat }).stat = (async (...a: Parameters<typeof handle.stat>) => {
        gate.opened?.();
        await gate.release;
        return stat(...a);
      }) as typeof handle.stat;
    }
    return handle;
  };
  return { ...fs, open, default: { ...fs, open } };
});

import { fixedClock } from "../../src/core/clock.js";
import { openLowdbState } from "../../src/store/lowdb/open-lowdb-state.js";
import { makeTempDir } from "../helpers/temp-dir.js";

const NOW = "2026-11-29T10:00:00Z";
const topic = { id: "t-asylum", query: "asylum", frequency: "immediate" as const, revisions: false, createdAt: NOW };

describe("lowdb: a one-click unsubscribe appended while the run applies the queue (serve in shared mode)", () => {
  let cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.reverse()) await c();
    cleanups = [];
  });

  it("is applied (durably recorded requests are never dropped)", async () => {
    const { dir, cleanup } = await makeTempDir("pressroom-request-queue-");
    cleanups.push(cleanup);
    const clock = fixedClock(NOW);
    const first = await openLowdbState(dir, { clock });
    await first.subscriptions.addTopic("ann@example.org", topic, "web");
    await first.close();

    const run = await openLowdbState(dir, { clock, command: "pressroom run" });
    cleanups.push(() => run.close());
    const serve = await openLowdbState(dir, { clock, mode: "shared", lockWaitMs: 200, command: "pressroom serve" });
    cleanups.push(() => serve.close());

    let release!: () => void;
    gate.release = new Promise<void>((r) => (release = r));
    const opened = new Promise<void>((r) => (gate.opened = r));
    gate.hold = true;
    // POST /unsubscribe → SubscriptionStore.request (what recordRequest awaits before answering 200).
    const recorded = serve.subscriptions.request({ type: "remove", email: "ann@example.org", topicId: "t-asylum" });
    await opened;
    // Meanwhile the run claims: beforeClaim applies the queue (rename, read, remove).
    await run.outbox.claimDue("run", 60_000, 10, new Date(NOW));
    release();
    const { applied } = await recorded; // durable: the server now answers "will not get alerts"
    expect(await applied).toBe(false); // the state is held by the run: left for it to apply

    // The run's next claims apply whatever was queued.
    await run.outbox.claimDue("run", 60_000, 10, new Date(NOW));
    await run.outbox.claimDue("run", 60_000, 10, new Date(NOW));
    expect((await run.subscriptions.get("ann@example.org"))?.topics.map((t) => t.id) ?? []).toEqual([]);
  }, 30_000);
});
