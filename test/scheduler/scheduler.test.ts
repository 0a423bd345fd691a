import { afterEach, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { memoryLogger } from "../../src/core/logger.js";
import { createRunGuard, startScheduler, type Scheduler } from "../../src/scheduler/index.js";

const until = async (check: () => boolean, what: string, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};
const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => { resolve = r; });
  return { promise, resolve };
};

describe("createRunGuard", () => {
  it("skips a trigger while a run is in flight, then runs again", async () => {
    const log = memoryLogger();
    const gate = deferred();
    const reasons: string[] = [];
    const guard = createRunGuard(async (reason) => { reasons.push(reason); await gate.promise; }, log);
    const first = guard.trigger("initial");
    expect(guard.busy).toBe(true);
    expect(await guard.trigger("schedule")).toBe("skipped");
    gate.resolve();
    expect(await first).toBe("ran");
    expect(await guard.trigger("daily-digest")).toBe("ran");
    expect(reasons).toEqual(["initial", "daily-digest"]);
    expect(log.entries.some((e) => e.message === "run skipped")).toBe(true);
  });

  it("logs a failed run and keeps going", async () => {
    const log = memoryLogger();
    let n = 0;
    const guard = createRunGuard(async () => { n++; if (n === 1) throw new Error("boom"); }, log);
    expect(await guard.trigger("schedule")).toBe("ran");
    expect(await guard.trigger("schedule")).toBe("ran");
    expect(log.entries.find((e) => e.message === "run failed")?.fields).toMatchObject({ error: "boom" });
  });

  it("close waits for the run in flight, refuses new runs, and reports a timeout", async () => {
    const gate = deferred();
    const guard = createRunGuard(() => gate.promise, memoryLogger());
    void guard.trigger("schedule");
    expect(await guard.close(10)).toBe(false);
    expect(await guard.trigger("schedule")).toBe("skipped");
    const closing = guard.close(10_000);
    gate.resolve();
    expect(await closing).toBe(true);
  });
});

describe("startScheduler", () => {
  let scheduler: Scheduler | undefined;
  afterEach(async () => {
    await scheduler?.stop(5_000);
    scheduler = undefined;
  });

  it("runs at start and on a seconds cron, never two at once, and stop waits for the run", async () => {
    const schedule = parseConfig({ schedule: { cron: "* * * * * *", timezone: "UTC" } }).schedule;
    let running = 0;
    let maxRunning = 0;
    const reasons: string[] = [];
    scheduler = startScheduler({
      schedule,
      log: memoryLogger(),
      run: async (reason) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        reasons.push(reason);
        // Longer than the 1 s period: overlapping ticks must be skipped.
        await new Promise((r) => setTimeout(r, 1_300));
        running--;
      },
    });
    await until(() => reasons.length >= 3, "three runs");
    expect(reasons[0]).toBe("initial");
    expect(reasons.slice(1).every((r) => r === "schedule")).toBe(true);
    expect(maxRunning).toBe(1);
    await until(() => running === 1, "a run in flight");
    expect(await scheduler.stop(5_000)).toBe(true);
    scheduler = undefined;
    expect(running).toBe(0);
    const count = reasons.length;
    await new Promise((r) => setTimeout(r, 1_500));
    expect(reasons.length).toBe(count);
  });

  it("tells each cron run the slot it fired for, and the initial run none", async () => {
    const schedule = parseConfig({ schedule: { cron: "* * * * * *", timezone: "UTC" } }).schedule;
    const runs: { reason: string; wokeAt: Date | undefined; calledAt: number }[] = [];
    scheduler = startScheduler({ schedule, log: memoryLogger(), run: async (reason, wokeAt) => { runs.push({ reason, wokeAt, calledAt: Date.now() }); } });
    await until(() => runs.length >= 3, "three runs");
    expect(runs[0]).toMatchObject({ reason: "initial", wokeAt: undefined });
    for (const run of runs.slice(1)) {
      // A whole second (the expression's slot), at or shortly before the call.
      expect(run.wokeAt!.getTime() % 1000).toBe(0);
      expect(run.calledAt - run.wokeAt!.getTime()).toBeGreaterThanOrEqual(0);
      expect(run.calledAt - run.wokeAt!.getTime()).toBeLessThan(1_000);
    }
    expect(new Set(runs.slice(1).map((r) => r.wokeAt!.getTime())).size).toBe(runs.length - 1);
  });

  it("skips the initial run when asked", async () => {
    const schedule = parseConfig({ schedule: { cron: "0 0 1 1 *" } }).schedule;
    let runs = 0;
    scheduler = startScheduler({ schedule, log: memoryLogger(), initialRun: false, run: async () => { runs++; } });
    await new Promise((r) => setTimeout(r, 100));
    expect(runs).toBe(0);
    expect(await scheduler.trigger("schedule")).toBe("ran");
    expect(runs).toBe(1);
  });

  it("rejects a bad schedule before scheduling anything", () => {
    const schedule = parseConfig({ schedule: { timezone: "Nowhere/Atlantis" } }).schedule;
    expect(() => startScheduler({ schedule, log: memoryLogger(), run: async () => {} })).toThrow(/not a known time zone/);
  });
});
