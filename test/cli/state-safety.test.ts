import { spawn, spawnSync } from "node:child_process";
import { chmod, mkdir, readdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SAMPLE } from "../helpers/pipeline-harness.js";
import { CLI, REPO, runCli } from "../helpers/run-cli.js";
import { makeTempDir } from "../helpers/temp-dir.js";

/** The sample with one new release on top that matches "police". */
async function laterDump(dir: string, name = "later.txt"): Promise<string> {
  const sample = await readFile(SAMPLE, "utf8");
  const title = "Police to expand facial recognition vans";
  const block = `  • PRESS RELEASE : ${title} [October 2023]\n\n    PRESS RELEASE : ${title} [October 2023]\n\n    The press release issued by the Home Office on 31 October 2023.\n\n    Police forces will use more vans.\n\n`;
  const file = join(dir, name);
  await writeFile(file, sample.replace("Tag: Home Office\n\n", `Tag: Home Office\n\n${block}`));
  return file;
}

const emlCount = async (state: string) => (await readdir(join(state, "outbox")).catch(() => [])).filter((f) => f.endsWith(".eml")).length;
const subjects = async (state: string) => {
  const out: string[] = [];
  for (const f of (await readdir(join(state, "outbox")).catch(() => [])).filter((x) => x.endsWith(".eml"))) {
    out.push(/^Subject: (.*)$/m.exec(await readFile(join(state, "outbox", f), "utf8"))?.[1] ?? "");
  }
  return out.sort();
};

describe("state safety from the command line (lowdb)", () => {
  let dir: string;
  let state: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, cleanup } = await makeTempDir());
    state = join(dir, "state");
  });
  afterEach(async () => cleanup());

  it("a failed import on a fresh state writes no feed", async () => {
    const empty = join(dir, "empty.txt");
    await writeFile(empty, "no releases in here\n");
    const result = await runCli(["--state", state, "import", empty]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("no feed changed");
    await expect(stat(join(state, "feeds"))).rejects.toThrow(/ENOENT/);
  });

  it("a corrupt runs.json stops an import before it stores a release or sends an alert", async () => {
    expect((await runCli(["--state", state, "subscribe", "desk@example.org", "police"])).code).toBe(0);
    expect((await runCli(["--state", state, "import", SAMPLE])).code).toBe(0);
    const months = await readFile(join(state, "releases/months.json"), "utf8");
    await writeFile(join(state, "runs.json"), "{ not json");
    const result = await runCli(["--state", state, "import", await laterDump(dir)]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/runs\.json is corrupt .*left untouched/);
    expect(await readFile(join(state, "releases/months.json"), "utf8")).toBe(months);
    expect(await emlCount(state)).toBe(0);
    expect(await readFile(join(state, "runs.json"), "utf8")).toBe("{ not json");
  });

  it("after a month file is moved aside, re-importing never sends an alert already sent", async () => {
    expect((await runCli(["--state", state, "subscribe", "desk@example.org", "police"])).code).toBe(0);
    expect((await runCli(["--state", state, "import", SAMPLE])).code).toBe(0);
    expect((await runCli(["--state", state, "import", await laterDump(dir)])).code).toBe(0);
    expect(await subjects(state)).toEqual(["[Pressroom] Police to expand facial recognition vans"]);
    await rename(join(state, "releases/2023-10.json"), join(dir, "2023-10.json.aside"));
    // The same text under another file name, so the dump's cursor does not skip it.
    const again = await runCli(["--state", state, "import", await laterDump(dir, "again.txt")]);
    expect(again.code, again.stderr).toBe(0);
    const sent = await subjects(state);
    expect(sent.filter((s) => s === "[Pressroom] Police to expand facial recognition vans")).toHaveLength(1);
  });

  it("says at once what it waits for when another process holds the state", { timeout: 60_000 }, async () => {
    expect((await runCli(["--state", state, "import", SAMPLE])).code).toBe(0);
    // Hold the state with the engine itself, in a child process.
    const { pathToFileURL } = await import("node:url");
    const engine = pathToFileURL(join(REPO, "dist/store/lowdb/open-lowdb-state.js")).href;
    const holder = spawn(process.execPath, ["--input-type=module", "-e", `const { openLowdbState } = await import(${JSON.stringify(engine)}); const s = await openLowdbState(${JSON.stringify(state)}, { clock: { now: () => new Date() }, command: "holder" }); console.log("held"); setInterval(() => {}, 1000); process.on("SIGTERM", async () => { await s.close(); process.exit(0); });`], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((resolve, reject) => {
      holder.stdout.on("data", (d: Buffer) => d.toString().includes("held") && resolve());
      holder.on("exit", (c) => reject(new Error(`the holder exited with ${c}`)));
    });
    const status = spawn(process.execPath, [CLI, "--state", state, "status"], { cwd: REPO, stdio: ["ignore", "ignore", "ignore"] });
    const statusDone = new Promise<number | null>((resolve) => status.on("close", resolve));
    const runIn = spawn(process.execPath, [CLI, "--state", state, "subscribe", "x@example.org", "asylum"], { cwd: REPO, stdio: ["ignore", "ignore", "pipe"] });
    const subscribeDone = new Promise<number | null>((resolve) => runIn.on("close", resolve));
    let stderr = "";
    runIn.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const started = Date.now();
    while (!/waiting up to 60 s/.test(stderr) && Date.now() - started < 10_000) await new Promise((r) => setTimeout(r, 20));
    expect(stderr, `after ${Date.now() - started} ms`).toMatch(/the state folder is in use by pid \d+, holder, since .*; waiting up to 60 s/);
    holder.kill("SIGTERM");
    expect(await subscribeDone).toBe(0);
    // A read-only command (status) never waits for the holder.
    expect(await statusDone).toBe(0);
  });

  it("a state folder it may not write exits 3 with a sentence saying what to do", async () => {
    await mkdir(state, { recursive: true, mode: 0o700 });
    await chmod(state, 0o500);
    const asNobody = process.getuid?.() === 0;
    const result = asNobody
      ? spawnSync(process.execPath, [CLI, "--state", state, "import", SAMPLE], { cwd: "/", uid: 65534, gid: 65534, encoding: "utf8" })
      : spawnSync(process.execPath, [CLI, "--state", state, "import", SAMPLE], { cwd: REPO, encoding: "utf8" });
    await chmod(state, 0o700);
    expect(result.status).toBe(3);
    expect(result.stderr).toMatch(/cannot write to the state folder .*permission denied.*run Pressroom as the user that owns it, or choose another folder with --state/);
    expect(result.stderr).not.toMatch(/EACCES/);
  });
});
