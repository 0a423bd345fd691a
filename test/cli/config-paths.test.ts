import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SAMPLE } from "../helpers/pipeline-harness.js";
import { runCli } from "../helpers/run-cli.js";
import { makeTempDir } from "../helpers/temp-dir.js";

/** Relative paths in a config file resolve against the config file's folder, whatever it is called. */
describe("relative paths in a config file", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await makeTempDir()));
  afterEach(async () => cleanup());

  it.each([["pressroom"], ["config"]])("a config in <tmp>/%s/ reads dumps next to it, run from another folder", async (sub) => {
    const folder = join(dir, sub);
    await mkdir(join(folder, "samples"), { recursive: true });
    await writeFile(join(folder, "samples", "dump.txt"), await readFile(SAMPLE, "utf8"));
    await writeFile(join(folder, "x.yaml"), "sources:\n  - { id: local, type: dump, path: samples/dump.txt }\n");
    const elsewhere = join(dir, "elsewhere");
    await mkdir(elsewhere);
    const result = await runCli(["run", "--config", join(folder, "x.yaml"), "--state", join(dir, "state")], { cwd: elsewhere });
    expect(result.stdout).toMatch(/^local: 10 new/);
    expect(result.code).toBe(0);
  });

  it("a relative --config is found from the current directory, and its paths from its own folder", async () => {
    await mkdir(join(dir, "conf"));
    await writeFile(join(dir, "dump.txt"), await readFile(SAMPLE, "utf8"));
    await writeFile(join(dir, "conf", "p.yaml"), "sources:\n  - { id: up, type: dump, path: ../dump.txt }\n");
    const result = await runCli(["run", "--config", "conf/p.yaml", "--state", "state"], { cwd: dir });
    expect(result.stdout).toMatch(/^up: 10 new/);
    expect(result.code).toBe(0);
  });

  it("with no config file (built-in defaults), import paths resolve against the current directory", async () => {
    await writeFile(join(dir, "dump.txt"), await readFile(SAMPLE, "utf8"));
    const result = await runCli(["import", "dump.txt", "--state", "state"], { cwd: dir });
    expect(result.stdout).toMatch(/^dump\.txt: 10 new/);
    expect(result.code).toBe(0);
  });
});
