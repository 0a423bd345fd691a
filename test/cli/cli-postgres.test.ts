import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.js";
import { SAMPLE } from "../helpers/pipeline-harness.js";
import { createTestDatabase, testDatabaseUrl } from "../helpers/state-engines.js";
import { makeTempDir } from "../helpers/temp-dir.js";

const withPostgres = testDatabaseUrl() ? describe : describe.skip;

/** The README's commands with PRESSROOM_DATABASE_URL set: every command uses the database. */
withPostgres("pressroom CLI on PostgreSQL", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let env: Record<string, string>;
  beforeEach(async () => {
    ({ dir, cleanup } = await makeTempDir());
    db = await createTestDatabase();
    env = { PRESSROOM_DATABASE_URL: db.url };
  });
  afterEach(async () => {
    await db.drop();
    await cleanup();
  });

  it("runs the default config on the sample, then reports nothing new; status names the database without its password", async () => {
    const first = await runCli(["run", "--state", join(dir, "state")], { env });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^sample: 10 new, 0 revised, 0 unchanged \(baseline: no alerts\) · wrote feeds\/all\.atom \(10 entries\)/);
    // Another "machine" (another state folder) sees the same state.
    const second = await runCli(["run", "--state", join(dir, "elsewhere")], { env });
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/^sample: .*0 new.* · no feed changed\n$/);
    const status = await runCli(["status", "--state", join(dir, "elsewhere")], { env });
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^state: postgres:\/\/pressroom@127\.0\.0\.1:5432\/pressroom_t_/m);
    expect(status.stdout).not.toContain(":pressroom@");
  });

  it("never corrupts or duplicates under two concurrent imports of overlapping dumps", async () => {
    const text = await readFile(SAMPLE, "utf8");
    const a = join(dir, "a.txt");
    const b = join(dir, "b.txt");
    await writeFile(a, text);
    await writeFile(b, text.replace("Tag: Home Office\n\n", "Tag: Home Office\n\n  • PRESS RELEASE : Extra release [October 2023]\n\n    PRESS RELEASE : Extra release [October 2023]\n\n    The press release issued by the Home Office on 31 October 2023.\n\n    Text.\n\n"));
    const [ra, rb] = await Promise.all([runCli(["import", a, "--state", join(dir, "1")], { env }), runCli(["import", b, "--state", join(dir, "2")], { env })]);
    expect(ra.code, ra.stderr).toBe(0);
    expect(rb.code, rb.stderr).toBe(0);
    const search = await runCli(["search", "home", "--limit", "100"], { env });
    expect(search.stdout).toMatch(/ in 11 releases\n$/);
  });

  it("subscribes, lists and unsubscribes through the database", async () => {
    expect((await runCli(["subscribe", "desk@example.org", "police", "--frequency", "daily"], { env })).code).toBe(0);
    expect((await runCli(["subscriptions"], { env })).stdout).toBe("desk@example.org\tdaily\tpolice\n");
    const gone = await runCli(["unsubscribe", "desk@example.org"], { env });
    expect(gone.code).toBe(0);
    expect((await runCli(["subscriptions"], { env })).stdout).toBe("no subscriptions\n");
  });

  it("refuses a URL that is not postgres:// with exit 2", async () => {
    const result = await runCli(["status"], { env: { PRESSROOM_DATABASE_URL: "mysql://x@y/z" } });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/PRESSROOM_DATABASE_URL must be a postgres:\/\/ URL/);
  });

  it("an unreachable database exits 3 naming it without the password", async () => {
    const result = await runCli(["status"], { env: { PRESSROOM_DATABASE_URL: "postgres://pressroom:sekrit@127.0.0.1:1/nothing" } });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/unable to connect to postgres:\/\/pressroom@127\.0\.0\.1:1\/nothing/);
    expect(result.stderr).not.toContain("sekrit");
  });
});
