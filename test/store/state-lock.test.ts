import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isPressroomError } from "../../src/core/errors.js";
import { acquireLock } from "../../src/store/state-lock.js";
import { makeTempDir } from "../helpers/temp-dir.js";

const LOCK_MODULE = resolve(import.meta.dirname, "../../dist/store/state-lock.js");

/** A real process that takes the daemon lock, says so, and waits to be killed. */
function holdLockInChild(stateDir: string): Promise<import("node:child_process").ChildProcess> {
  const code = `import(${JSON.stringify(LOCK_MODULE)}).then(async (m) => { await m.acquireLock(${JSON.stringify(stateDir)}, { name: "daemon.lock", waitMs: 0, code: "DAEMON_RUNNING", what: "state folder" }, "holder"); console.log("held"); setInterval(() => {}, 1000); });`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", code], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolvePromise, reject) => {
    child.stdout.on("data", (d: Buffer) => { if (d.toString().includes("held")) resolvePromise(child); });
    child.on("exit", (c) => reject(new Error(`holder exited with ${c}`)));
  });
}

describe("state lock across processes", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await makeTempDir()));
  afterEach(async () => cleanup());

  it("refuses a second holder at once while the first is alive, naming it", async () => {
    const child = await holdLockInChild(dir);
    try {
      const error = await acquireLock(dir, { name: "daemon.lock", waitMs: 0, code: "DAEMON_RUNNING", what: "state folder" }).catch((e: unknown) => e);
      expect(isPressroomError(error, "DAEMON_RUNNING")).toBe(true);
      expect((error as Error).message).toContain(`pid ${child.pid}, holder`);
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("takes over the lock of a holder that was killed, once it is stale", { timeout: 60_000 }, async () => {
    const child = await holdLockInChild(dir);
    child.kill("SIGKILL");
    await new Promise((r) => child.on("exit", r));
    const lock = await acquireLock(dir, { name: "daemon.lock", waitMs: 0, code: "DAEMON_RUNNING", what: "state folder" });
    await lock.release();
  });
});
