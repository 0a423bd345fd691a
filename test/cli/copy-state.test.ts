import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fixedClock } from "../../src/core/clock.js";
import { openState } from "../../src/store/index.js";
import { makeRelease } from "../store/contract/fixtures.js";
import { createTestDatabase, testDatabaseUrl } from "../helpers/state-engines.js";
import { runCli } from "../helpers/run-cli.js";
import { SAMPLE } from "../helpers/pipeline-harness.js";
import { makeTempDir } from "../helpers/temp-dir.js";

async function filesUnder(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const walk = async (d: string): Promise<void> => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) await walk(path);
      else out.set(relative(dir, path), await readFile(path));
    }
  };
  await walk(dir);
  return out;
}

const withPostgres = testDatabaseUrl() ? describe : describe.skip;

withPostgres("pressroom copy-state between a state folder and PostgreSQL", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeEach(async () => {
    ({ dir, cleanup } = await makeTempDir());
    db = await createTestDatabase();
  });
  afterEach(async () => {
    await db.drop();
    await cleanup();
  });

  it("round-trips lowdb → PostgreSQL → lowdb with byte-identical feeds, subscriptions and outbox", async () => {
    const a = join(dir, "a");
    const b = join(dir, "b");
    expect((await runCli(["subscribe", "desk@example.org", "police", "--state", a])).code).toBe(0);
    expect((await runCli(["import", SAMPLE, "--alert-backlog", "--state", a], { env: { PRESSROOM_SMTP_URL: undefined } })).code).toBe(0);

    const there = await runCli(["copy-state", "--from", a, "--to", db.url]);
    expect(there.code, there.stderr).toBe(0);
    expect(there.stdout).toMatch(/: 10 release/);
    expect(there.stdout).not.toContain("pressroom:pressroom@"); // no password in output

    // The database now answers every command as the folder did.
    const pg = { env: { PRESSROOM_DATABASE_URL: db.url } };
    expect((await runCli(["subscriptions"], pg)).stdout).toBe((await runCli(["subscriptions", "--state", a])).stdout);
    expect((await runCli(["search", "facial recognition"], pg)).stdout).toBe((await runCli(["search", "facial recognition", "--state", a])).stdout);

    // A non-empty target is refused and left as it was.
    const again = await runCli(["copy-state", "--from", a, "--to", db.url]);
    expect(again.code).toBe(3);
    expect(again.stderr).toMatch(/already holds state/);

    const back = await runCli(["copy-state", "--from", db.url, "--to", b]);
    expect(back.code, back.stderr).toBe(0);
    const feedsA = await filesUnder(join(a, "feeds"));
    const feedsB = await filesUnder(join(b, "feeds"));
    expect([...feedsB.keys()].sort()).toEqual([...feedsA.keys()].sort());
    expect(feedsA.size).toBeGreaterThan(3);
    for (const [name, bytes] of feedsA) expect(feedsB.get(name)?.equals(bytes), name).toBe(true);
    expect((await runCli(["status", "--state", b])).stdout.split("\n").slice(1)).toEqual((await runCli(["status", "--state", a])).stdout.split("\n").slice(1));
  }, 60_000);

  it("stops part-way on a record the target refuses: says which, what the target may now hold, and leaves the source as it was", async () => {
    const a = join(dir, "a");
    const store = await openState({ kind: "lowdb", dir: a }, { clock: fixedClock("2026-11-29T10:00:00Z") });
    try {
      // PostgreSQL's text cannot hold a NUL character; a state folder's JSON can.
      const releases = Array.from({ length: 40 }, (_, i) => makeRelease(`Fraud charter update ${i}`, "2023-10-02"));
      releases.push({ ...makeRelease("Odd identifier", "2023-10-03"), id: "release-with-\u0000-inside" });
      await store.commit({ releases });
    } finally {
      await store.close();
    }
    const before = await filesUnder(a);
    const copy = await runCli(["copy-state", "--from", a, "--to", db.url]);
    expect(copy.code).toBe(3);
    expect(copy.stderr).toMatch(/copy-state stopped part-way/);
    expect(copy.stderr).toMatch(/0x00/);
    expect(copy.stderr).toMatch(/may now hold part of the copy/);
    expect(copy.stderr).toContain(`state folder ${a} was not changed`);
    expect(copy.stderr).not.toContain("pressroom:pressroom@");
    const after = await filesUnder(a);
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    for (const [name, bytes] of before) expect(after.get(name)?.equals(bytes), name).toBe(true);
  }, 60_000);
});
