import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.js";
import { makeTempDir } from "../helpers/temp-dir.js";

const SAMPLE = resolve(import.meta.dirname, "../../samples/home-office-2023-10.txt");
let temp: Awaited<ReturnType<typeof makeTempDir>>;
let state: string;
beforeAll(async () => {
  temp = await makeTempDir("pressroom-search-cli-");
  state = join(temp.dir, "state");
  expect((await runCli(["import", SAMPLE, "--state", state])).code).toBe(0);
});
afterAll(async () => temp?.cleanup());

describe("pressroom search", () => {
  it("--json lists matches newest first with snippets", async () => {
    const res = await runCli(["search", "facial recognition", "--json", "--state", state]);
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout) as { sort: string; releases: number; matches: { date: string; snippet: string }[] };
    expect(out.sort).toBe("newest");
    expect(out.releases).toBe(10);
    expect(out.matches.length).toBeGreaterThan(0);
    const dates = out.matches.map((m) => m.date);
    expect(dates).toEqual([...dates].sort().reverse());
    expect(out.matches[0]!.snippet).toMatch(/«facial»|«recognition»|«facial recognition»/i);
  });

  it("--sort relevance and --limit", async () => {
    const res = await runCli(["search", "police", "--sort", "relevance", "-n", "2", "--json", "--state", state]);
    expect((JSON.parse(res.stdout) as { sort: string; matches: unknown[] }).matches).toHaveLength(2);
    const bad = await runCli(["search", "police", "--sort", "oldest", "--state", state]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--sort must be newest or relevance");
  });
});
