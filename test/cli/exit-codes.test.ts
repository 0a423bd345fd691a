import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { REPO, runCli } from "../helpers/run-cli.js";
import { makeTempDir } from "../helpers/temp-dir.js";

describe("pressroom exit codes and messages", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await makeTempDir()));
  afterEach(async () => cleanup());

  it("unsubscribing an address with no subscriptions changes nothing, says so on stderr and exits 0", async () => {
    const result = await runCli(["unsubscribe", "nobody@example.org", "--state", join(dir, "state")]);
    expect(result).toEqual({ code: 0, stdout: "", stderr: "nobody@example.org has no subscriptions; nothing changed\n" });
  });

  it("unsubscribing from a topic the address does not have changes nothing and exits 0", async () => {
    const state = join(dir, "state");
    expect((await runCli(["subscribe", "desk@example.org", "asylum", "--state", state])).code).toBe(0);
    const result = await runCli(["unsubscribe", "desk@example.org", "fraud", "--state", state]);
    expect(result).toEqual({ code: 0, stdout: "", stderr: "desk@example.org is not subscribed to fraud; nothing changed\n" });
    expect((await runCli(["subscriptions", "--state", state])).stdout).toBe("desk@example.org\timmediate\tasylum\n");
  });

  it("a bad address is still a usage error (2)", async () => {
    expect((await runCli(["unsubscribe", "not-an-address", "--state", join(dir, "state")])).code).toBe(2);
  });

  it.each([["--version"], ["-V"]])("%s prints the package.json version and exits 0", async (flag) => {
    const { version } = JSON.parse(await readFile(join(REPO, "package.json"), "utf8")) as { version: string };
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    expect(await runCli([flag], { cwd: dir })).toEqual({ code: 0, stdout: `${version}\n`, stderr: "" });
  });

  it("a query over 500 characters is refused with exit 2 and a short message", async () => {
    const long = "asylum ".repeat(100);
    const search = await runCli(["search", long, "--state", join(dir, "state")]);
    expect(search.code).toBe(2);
    expect(search.stderr).toBe(`pressroom: query too long: ${long.length} characters, at most 500\n`);
    const subscribe = await runCli(["subscribe", "a@example.org", long, "--state", join(dir, "state")]);
    expect(subscribe.code).toBe(2);
    expect(subscribe.stderr).toContain("query too long");
  });

  it("a config with an ftp:// source is refused at once with exit 2, naming the value's path", async () => {
    const config = join(dir, "p.yaml");
    await writeFile(config, "sources:\n  - { id: live, type: feed, url: 'ftp://example.org/feed.xml' }\n");
    const started = Date.now();
    const result = await runCli(["run", "--config", config, "--state", join(dir, "state")]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("p.yaml: sources.0.url: use an http:// or https:// URL");
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("a run with a digest schedule that is not cron is refused with exit 2 before it queues anything", async () => {
    const config = join(dir, "p.yaml");
    await writeFile(config, `sources:\n  - { id: sample, type: dump, path: ${JSON.stringify(join(REPO, "samples/home-office-2023-10.txt"))} }\nschedule: { weeklyDigest: "30 8 * * 9" }\n`);
    const result = await runCli(["run", "--config", config, "--state", join(dir, "state")]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/schedule\.weeklyDigest "30 8 \* \* 9" is not a valid cron expression/);
  });
});
