import { chmod, mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeTempDir } from "../helpers/temp-dir.js";
import { REPO, runProcess } from "../helpers/run-cli.js";

const LAUNCHER = resolve(REPO, "bin/pressroom");

const run = (command: string, args: readonly string[], env: Record<string, string | undefined>) => runProcess(command, args, { env });

describe("the pressroom launcher (bin/pressroom, the package's bin and `npm start`)", () => {
  let dir: { dir: string; cleanup(): Promise<void> };
  /** A `node` first on PATH that prints the environment variable and the arguments it was given. */
  let fakeNodePath: string;

  beforeEach(async () => {
    dir = await makeTempDir();
    const bin = join(dir.dir, "fake-bin");
    await mkdir(bin);
    await writeFile(join(bin, "node"), `#!/bin/sh\nprintf '%s\\n' "MALLOC_ARENA_MAX=\${MALLOC_ARENA_MAX-unset}"\nfor a in "$@"; do printf '%s\\n' "$a"; done\n`);
    await chmod(join(bin, "node"), 0o755);
    fakeNodePath = `${bin}:${process.env.PATH ?? ""}`;
  });
  afterEach(() => dir.cleanup());

  it("runs the CLI with malloc held to two arenas, passing every argument as given", async () => {
    const result = await run("sh", [LAUNCHER, "import", "a file.txt", "--state", "s"], { PATH: fakeNodePath, MALLOC_ARENA_MAX: undefined });
    expect(result.code).toBe(0);
    const [arenas, script, ...args] = result.stdout.trim().split("\n");
    expect(arenas).toBe("MALLOC_ARENA_MAX=2");
    expect(resolve(script!)).toBe(resolve(REPO, "dist/cli/main.js"));
    expect(args).toEqual(["import", "a file.txt", "--state", "s"]);
  });

  it("keeps the operator's own MALLOC_ARENA_MAX, and finds the CLI when started through a link (npm's .bin)", async () => {
    const link = join(dir.dir, "pressroom");
    await symlink(LAUNCHER, link);
    const result = await run(link, ["status"], { PATH: fakeNodePath, MALLOC_ARENA_MAX: "8" });
    expect(result.code).toBe(0);
    const [arenas, script, ...args] = result.stdout.trim().split("\n");
    expect(arenas).toBe("MALLOC_ARENA_MAX=8");
    expect(resolve(script!)).toBe(resolve(REPO, "dist/cli/main.js"));
    expect(args).toEqual(["status"]);
  });

  it("starts the real CLI, and is what `npm start` and the package's bin run", async () => {
    const result = await run(LAUNCHER, ["--version"], {});
    expect(result.code).toBe(0);
    const pkg = JSON.parse(await readFile(resolve(REPO, "package.json"), "utf8")) as { version: string; bin: Record<string, string>; scripts: Record<string, string> };
    expect(result.stdout.trim()).toBe(pkg.version);
    expect(pkg.bin.pressroom).toBe("bin/pressroom");
    expect(pkg.scripts.start).toBe("sh bin/pressroom run");
  });
});
