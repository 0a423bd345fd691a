import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.js";
import { SAMPLE } from "../helpers/pipeline-harness.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import { validateAtom } from "../helpers/validate-atom.js";

describe("pressroom CLI", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await makeTempDir()));
  afterEach(async () => cleanup());

  it("runs the default config on the bundled sample, then reports 0 new", async () => {
    const state = join(dir, "state");
    const first = await runCli(["run", "--state", state]);
    // Not on a terminal: logs are JSON lines.
    for (const line of first.stderr.trim().split("\n").filter(Boolean)) expect(JSON.parse(line)).toHaveProperty("msg");
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^sample: 10 new, 0 revised, 0 unchanged \(baseline: no alerts\) · wrote feeds\/all\.atom \(10 entries\) and \d+ other feeds\n$/);
    await validateAtom(await readFile(join(state, "feeds/all.atom"), "utf8"));
    const second = await runCli(["run", "--state", state]);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/^sample: .*0 new.* · no feed changed\n$/);
  });

  it("imports a dump, prints no progress bar when not on a terminal, and reports skipped blocks with file and line", async () => {
    const file = join(dir, "dump.txt");
    const text = await readFile(SAMPLE, "utf8");
    await writeFile(file, `${text}\n\n  • PRESS RELEASE : [October 2023]\n\n    nothing here\n`);
    const result = await runCli(["import", file, "--state", join(dir, "state")]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^dump\.txt: 10 new/);
    expect(result.stderr).not.toMatch(/\r|#{5}/);
    expect(result.stderr).toMatch(/warning: .*dump\.txt:\d+: /);
  });

  it("exits non-zero naming the source and the problem when a source fails", async () => {
    const empty = join(dir, "empty.txt");
    await writeFile(empty, "no releases in here\n");
    const result = await runCli(["import", empty, "--state", join(dir, "state")]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/empty\.txt: FAILED: .*empty\.txt.*no release/);
  });

  it("rejects a bad config with the path of the bad value", async () => {
    const config = join(dir, "bad.yaml");
    await writeFile(config, "sources:\n  - id: x\n    type: feed\n    url: not-a-url\n");
    const result = await runCli(["run", "--config", config, "--state", join(dir, "state")]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/sources\.0\.url/);
  });

  it("never corrupts state under two concurrent imports", async () => {
    const state = join(dir, "state");
    const a = join(dir, "a.txt");
    const b = join(dir, "b.txt");
    const text = await readFile(SAMPLE, "utf8");
    await writeFile(a, text);
    await writeFile(b, text.replaceAll("October 2023", "November 2023"));
    const results = await Promise.all([runCli(["import", a, "--state", state]), runCli(["import", b, "--state", state])]);
    expect(results.map((r) => r.code)).toEqual([0, 0]);
    for (const f of await readdir(join(state, "releases"))) JSON.parse(await readFile(join(state, "releases", f), "utf8"));
    const oct = JSON.parse(await readFile(join(state, "releases/2023-10.json"), "utf8"));
    const nov = JSON.parse(await readFile(join(state, "releases/2023-11.json"), "utf8"));
    expect(Object.keys(oct.releases)).toHaveLength(10);
    expect(Object.keys(nov.releases)).toHaveLength(10);
    const search = await runCli(["search", "facial recognition", "--state", state]);
    expect(search.stdout).toMatch(/6 matches in 20 releases/);
  });

  it("manages subscriptions and validates addresses", async () => {
    const state = join(dir, "state");
    expect((await runCli(["subscribe", "Desk@Example.org", '"facial recognition"', "--frequency", "daily", "--state", state])).code).toBe(0);
    const list = await runCli(["subscriptions", "--state", state]);
    expect(list.stdout).toBe('desk@example.org\tdaily\t"facial recognition"\n');
    const bad = await runCli(["subscribe", "a@b.org\r\nBcc: x@y.z", "asylum", "--state", state]);
    expect(bad.code).toBe(2);
    const badQuery = await runCli(["subscribe", "a@b.org", "(asylum", "--state", state]);
    expect(badQuery.code).toBe(2);
    expect((await runCli(["unsubscribe", "desk@example.org", '"facial recognition"', "--state", state])).code).toBe(0);
    expect((await runCli(["subscriptions", "--state", state])).stdout).toBe("no subscriptions\n");
  });
});

describe("pressroom import alerts", () => {
  it("treats the first import as the baseline and alerts on later imports", async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const state = join(dir, "state");
      const text = await readFile(SAMPLE, "utf8");
      await writeFile(join(dir, "first.txt"), text);
      const added = "  • PRESS RELEASE : Brand new asylum hotels plan [October 2023]\n\n    The press release issued by the Home Office on 31 October 2023.\n\n    A new asylum plan.\n\n";
      await writeFile(join(dir, "second.txt"), text.replace("Tag: Home Office\n\n", `Tag: Home Office\n\n${added}`));
      expect((await runCli(["subscribe", "desk@example.org", "asylum", "--state", state])).code).toBe(0);
      const first = await runCli(["import", join(dir, "first.txt"), "--state", state]);
      expect(first.stdout).toMatch(/^first\.txt: 10 new, 0 revised, 0 unchanged \(baseline: no alerts\)/);
      const second = await runCli(["import", join(dir, "second.txt"), "--state", state]);
      expect(second.code).toBe(0);
      expect(second.stdout).toMatch(/^second\.txt: 1 new, 0 revised, 10 unchanged · .* alerts: 1 queued, 1 sent/);
      const emails = await readdir(join(state, "outbox"));
      expect(emails.filter((f) => f.endsWith(".eml"))).toHaveLength(1);
      expect((await runCli(["status", "--state", state])).stdout).not.toMatch(/not in config/);
    } finally {
      await cleanup();
    }
  });
});

describe("environment", () => {
  it.each([
    [{ PRESSROOM_SECRET: "short" }, /PRESSROOM_SECRET is too short/],
    [{ PRESSROOM_LOG_LEVEL: "verbose" }, /PRESSROOM_LOG_LEVEL must be one of/],
  ])("rejects %j with exit 2 and a clear message", async (env, message) => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const result = await runCli(["run", "--state", join(dir, "state")], { env });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(message);
    } finally {
      await cleanup();
    }
  });

  it("replaces an empty secret.key left by a crash", async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const state = join(dir, "state");
      await import("node:fs/promises").then((fs) => fs.mkdir(state, { recursive: true }));
      await writeFile(join(state, "secret.key"), "");
      const result = await runCli(["run", "--state", state]);
      expect(result.code).toBe(0);
      expect((await readFile(join(state, "secret.key"), "utf8")).trim().length).toBeGreaterThanOrEqual(32);
    } finally {
      await cleanup();
    }
  });
});
