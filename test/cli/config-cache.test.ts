import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readConfig } from "../../src/cli/context.js";
import { loadConfig, parseConfig } from "../../src/config/load.js";
import { failure } from "../helpers/failure.js";
import { makeTempDir } from "../helpers/temp-dir.js";

/** Every section, with values away from the defaults. */
const FULL = `
sources:
  - id: inbox
    type: dump
    path: inbox/
  - id: live
    type: feed
    url: https://www.gov.uk/government/organisations/home-office.atom
    kinds: [press-release, speech]
feeds:
  title: Test feeds
  baseUrl: https://feeds.example.org
  entries: 7
  topics:
    - name: asylum
      query: asylum hotels
mail:
  from: "Alerts <alerts@example.org>"
  listId: alerts.example.org
schedule:
  cron: "*/5 * * * *"
subscriptions:
  - email: a@example.org
    topics:
      - query: '"facial recognition"'
`;

describe("config cache", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let cacheDir: string;
  const before = process.env.PRESSROOM_CONFIG_CACHE;
  beforeEach(async () => {
    ({ dir, cleanup } = await makeTempDir("pressroom-config-cache-"));
    cacheDir = join(dir, "cache");
    process.env.PRESSROOM_CONFIG_CACHE = cacheDir;
  });
  afterEach(async () => {
    if (before === undefined) delete process.env.PRESSROOM_CONFIG_CACHE;
    else process.env.PRESSROOM_CONFIG_CACHE = before;
    await cleanup();
  });

  const cached = async () => {
    const names = await readdir(cacheDir).catch(() => [] as string[]);
    return Promise.all(names.map(async (n) => ({ file: join(cacheDir, n), held: JSON.parse(await readFile(join(cacheDir, n), "utf8")) as { key: string; config: { feeds: { entries: number } } } })));
  };

  it("gives what validating gives, from the cache the second time, for a full config and for the built-in defaults", async () => {
    const path = join(dir, "pressroom.yaml");
    await writeFile(path, FULL);
    const fresh = await loadConfig(path);
    const first = await readConfig({ config: path, state: "state" });
    expect(first).toStrictEqual(fresh);
    const second = await readConfig({ config: path, state: "state" });
    expect(second).toStrictEqual(fresh);
    expect(second.config.feeds.entries).toBe(7);
    // No config file: the defaults, as validation gives them.
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      expect(await readConfig({ state: "state" })).toStrictEqual({ config: parseConfig({}), baseDir: resolve(dir) });
      expect(await readConfig({ state: "state" })).toStrictEqual({ config: parseConfig({}), baseDir: resolve(dir) });
    } finally {
      process.chdir(cwd);
    }
    expect(await cached()).toHaveLength(2);
  });

  it("is read back while the config text is the same, and validated afresh once it changes", async () => {
    const path = join(dir, "pressroom.yaml");
    await writeFile(path, FULL);
    await readConfig({ config: path, state: "state" });
    // Proof that the second read comes from the cache: what it holds is what comes back.
    const { file, held } = (await cached())[0]!;
    held.config.feeds.entries = 99;
    await writeFile(file, JSON.stringify(held));
    expect((await readConfig({ config: path, state: "state" })).config.feeds.entries).toBe(99);
    await writeFile(path, FULL.replace("entries: 7", "entries: 8"));
    expect((await readConfig({ config: path, state: "state" })).config.feeds.entries).toBe(8);
    expect((await cached())[0]!.held.config.feeds.entries).toBe(8);
  });

  it("never remembers a config that fails: its error comes every time", async () => {
    const path = join(dir, "pressroom.yaml");
    await writeFile(path, FULL.replace("entries: 7", "entries: -1"));
    for (let i = 0; i < 2; i++) {
      const error = await failure(readConfig({ config: path, state: "state" }));
      expect(error.code).toBe("CONFIG_INVALID");
      expect(error.message).toContain("feeds.entries");
    }
    expect(await cached()).toEqual([]);
    expect((await failure(readConfig({ config: join(dir, "absent.yaml"), state: "state" }))).code).toBe("CONFIG_NOT_FOUND");
  });

  it("is only a shortcut: off, or a folder that cannot be written, and commands validate as before", async () => {
    const path = join(dir, "pressroom.yaml");
    await writeFile(path, FULL);
    process.env.PRESSROOM_CONFIG_CACHE = "off";
    expect((await readConfig({ config: path, state: "state" })).config.feeds.entries).toBe(7);
    await mkdir(cacheDir, { recursive: true });
    expect(await readdir(cacheDir)).toEqual([]);
    // A file where the folder should be.
    process.env.PRESSROOM_CONFIG_CACHE = join(path, "cache");
    expect((await readConfig({ config: path, state: "state" })).config.feeds.entries).toBe(7);
    expect((await readConfig({ config: path, state: "state" })).config.feeds.entries).toBe(7);
  });
});
