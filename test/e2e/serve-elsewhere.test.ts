import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { systemClock } from "../../src/core/clock.js";
import { openPostgresState } from "../../src/store/postgres/open-postgres-state.js";
import { SAMPLE } from "../helpers/pipeline-harness.js";
import { CLI, REPO, runCli } from "../helpers/run-cli.js";
import { createTestDatabase, testDatabaseUrl } from "../helpers/state-engines.js";
import { makeTempDir } from "../helpers/temp-dir.js";

/** Starts `pressroom serve` on a free port; resolves with its URL once it listens. */
function startServe(state: string, env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, "--state", state, "serve", "--port", "0"], { cwd: REPO, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /on (http:\/\/\S+)/.exec(out);
      if (m) resolve({ child, url: m[1]! });
    });
    child.on("exit", (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
  });
}

const withPostgres = testDatabaseUrl() ? describe : describe.skip;

withPostgres("pressroom serve on another machine (another state folder, the same database)", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const children: ChildProcess[] = [];
  beforeEach(async () => {
    ({ dir, cleanup } = await makeTempDir());
    db = await createTestDatabase();
  });
  afterEach(async () => {
    for (const c of children.splice(0)) {
      c.kill("SIGTERM");
      await new Promise((r) => (c.exitCode === null ? c.on("exit", r) : r(undefined)));
    }
    await db.drop();
    await cleanup();
  });

  it("serves the all.atom the run published, with the same ETag from two servers", async () => {
    const env = { PRESSROOM_DATABASE_URL: db.url };
    const imported = await runCli(["--state", join(dir, "machine-a"), "import", SAMPLE], { env });
    expect(imported.code, imported.stderr).toBe(0);
    const b = await startServe(join(dir, "machine-b"), env);
    const c = await startServe(join(dir, "machine-c"), env);
    children.push(b.child, c.child);

    const fromB = await fetch(`${b.url}/feeds/all.atom`, { headers: { "accept-encoding": "identity" } });
    const fromC = await fetch(`${c.url}/feeds/all.atom`, { headers: { "accept-encoding": "identity" } });
    expect(fromB.status).toBe(200);
    const body = await fromB.text();
    expect(await fromC.text()).toBe(body);
    expect(fromB.headers.get("etag")).toBeTruthy();
    expect(fromC.headers.get("etag")).toBe(fromB.headers.get("etag"));

    const store = await openPostgresState(db.url, { clock: systemClock });
    try {
      expect(body).toBe((await store.feeds.get("all"))?.xml);
    } finally {
      await store.close();
    }
    // A conditional GET to the other server is answered 304.
    const again = await fetch(`${c.url}/feeds/all.atom`, { headers: { "if-none-match": fromB.headers.get("etag")!, "accept-encoding": "identity" } });
    expect(again.status).toBe(304);
  }, 60_000);
});
