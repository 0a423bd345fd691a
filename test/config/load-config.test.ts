import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig, parseConfig } from "../../src/config/load.js";
import { failure } from "../helpers/failure.js";
import { makeTempDir } from "../helpers/temp-dir.js";

const invalid = (raw: unknown): { code: string; message: string } => {
  try {
    parseConfig(raw, "p.yaml");
  } catch (error) {
    const e = error as { code: string; message: string };
    return { code: e.code, message: e.message };
  }
  throw new Error("expected the config to be refused");
};

describe("config validation: URLs", () => {
  it.each([
    ["ftp://example.org/feed.xml"],
    ["htp:/not a url"],
    ["file:///etc/passwd"],
  ])("refuses a source url %s with a path-qualified message", (url) => {
    const { code, message } = invalid({ sources: [{ id: "live", type: "feed", url }] });
    expect(code).toBe("CONFIG_INVALID");
    expect(message).toContain("p.yaml: sources.0.url: use an http:// or https:// URL");
  });

  it.each([
    [{ feeds: { baseUrl: "ftp://example.org" } }, "feeds.baseUrl"],
    [{ feeds: { websubHub: "mailto:hub@example.org" } }, "feeds.websubHub"],
    [{ sources: [{ id: "d", type: "dump", url: "ftp://example.org/d.txt" }] }, "sources.0.url"],
    [{ sources: [{ id: "g", type: "govuk-search", url: "gopher://gov.uk" }] }, "sources.0.url"],
  ])("refuses a non-http URL in %j at %s", (raw, path) => {
    expect(invalid(raw).message).toContain(`p.yaml: ${path}: use an http:// or https:// URL`);
  });

  it("accepts http and https URLs", () => {
    const config = parseConfig({ sources: [{ id: "a", type: "feed", url: "http://127.0.0.1:8080/feed" }, { id: "b", type: "feed", url: "https://www.gov.uk/x.atom" }] });
    expect(config.sources.map((s) => s.id)).toEqual(["a", "b"]);
  });
});

describe("config validation: ids and queries", () => {
  it("refuses a 5,000-character source id, saying the limit", () => {
    const { code, message } = invalid({ sources: [{ id: "a".repeat(5000), type: "dump", path: "x.txt" }] });
    expect(code).toBe("CONFIG_INVALID");
    expect(message).toContain("p.yaml: sources.0.id: at most 64 characters (got 5000)");
    expect(message.length).toBeLessThan(500);
  });

  it("refuses a topic feed name over 64 characters", () => {
    expect(invalid({ feeds: { topics: [{ name: "t".repeat(65), query: "asylum" }] } }).message).toContain("p.yaml: feeds.topics.0.name: at most 64 characters (got 65)");
  });

  it.each([["Sample"], ["-x"], ["a b"], ["a/b"], ["a.b"], [""]])("refuses the id %j", (id) => {
    expect(invalid({ sources: [{ id, type: "dump", path: "x.txt" }] }).message).toMatch(/p\.yaml: sources\.0\.id: /);
  });

  it.each([["sample"], ["govuk-org"], ["inbox_2"], ["a".repeat(64)], ["0"]])("accepts the id %j", (id) => {
    expect(parseConfig({ sources: [{ id, type: "dump", path: "x.txt" }] }).sources[0]?.id).toBe(id);
  });

  it("refuses a topic query over 500 characters, in feeds and in seeded subscriptions", () => {
    const long = "asylum ".repeat(80).trim();
    expect(invalid({ feeds: { topics: [{ name: "t", query: long }] } }).message).toContain(`p.yaml: feeds.topics.0.query: query too long: ${long.length} characters, at most 500`);
    expect(invalid({ subscriptions: [{ email: "a@example.org", topics: [{ query: long }] }] }).message).toContain(`p.yaml: subscriptions.0.topics.0.query: query too long: ${long.length} characters, at most 500`);
    expect(parseConfig({ feeds: { topics: [{ name: "t", query: "a".repeat(500) }] } }).feeds.topics[0]?.query).toHaveLength(500);
  });
});

describe("loadConfig: relative paths resolve against the config file's folder", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await makeTempDir()));
  afterEach(async () => cleanup());

  it.each([["pressroom"], ["config"], ["etc/pressroom"]])("a config in <tmp>/%s/ has its own folder as baseDir", async (sub) => {
    const folder = join(dir, sub);
    await mkdir(folder, { recursive: true });
    const file = join(folder, "x.yaml");
    await writeFile(file, "sources:\n  - { id: s, type: dump, path: dump.txt }\n");
    const loaded = await loadConfig(file);
    expect(loaded.baseDir).toBe(folder);
    expect(loaded.path).toBe(file);
  });

  it("reports a missing file as CONFIG_NOT_FOUND", async () => {
    expect((await failure(loadConfig(join(dir, "absent.yaml")))).code).toBe("CONFIG_NOT_FOUND");
  });
});
