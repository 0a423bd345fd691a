import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.js";
import { makeTempDir } from "../helpers/temp-dir.js";

/**
 * The counts copy-state prints are what was copied. An empty state folder exported a "totals"
 * record of all zeros (PostgreSQL exports none while no run was recorded), so copying an empty
 * folder printed "1 totals" rather than "nothing (the source is empty)".
 */
describe("copy-state counts from an empty state folder", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, cleanup } = await makeTempDir());
  });
  afterEach(async () => {
    await cleanup();
  });

  it("says the source is empty", async () => {
    const a = join(dir, "a");
    await mkdir(a);
    const r = await runCli(["copy-state", "--from", a, "--to", join(dir, "b")]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/nothing \(the source is empty\)/);
  });
});
