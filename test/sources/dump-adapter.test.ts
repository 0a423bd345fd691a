import { copyFile, mkdir, mkdtemp, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DumpSourceConfig } from "../../src/config/schema.js";
import { fixedClock } from "../../src/core/clock.js";
import { isPressroomError, PressroomError } from "../../src/core/errors.js";
import { silentLogger } from "../../src/core/logger.js";
import type { HttpFetcher, SourceContext, SourceCursor, SourceResult } from "../../src/core/source.js";
import { dumpAdapter } from "../../src/sources/dump.js";

const SAMPLE = new URL("../../samples/home-office-2023-10.txt", import.meta.url);
const FIXTURES = new URL("../fixtures/dump/", import.meta.url);

/** A small real conditional-GET client over Node's fetch, standing in for the shared fetcher. */
const http: HttpFetcher = {
  async get(url, options) {
    const headers: Record<string, string> = {};
    if (options?.validators?.etag) headers["if-none-match"] = options.validators.etag;
    if (options?.validators?.lastModified) headers["if-modified-since"] = options.validators.lastModified;
    const res = await fetch(url, { headers });
    if (res.status === 304) return { status: "not-modified", url };
    if (!res.ok) throw new PressroomError("FETCH_HTTP", `${url}: HTTP ${res.status}`);
    const etag = res.headers.get("etag") ?? undefined;
    const lastModified = res.headers.get("last-modified") ?? undefined;
    return { status: "ok", url: res.url, body: await res.text(), contentType: res.headers.get("content-type") ?? "", validators: { etag, lastModified } };
  },
};

let dir: string;
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), "pressroom-dump-")); });
afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

function context(cursor: SourceCursor = {}, extra: Partial<SourceContext> = {}): SourceContext {
  return { http, clock: fixedClock("2024-01-01T00:00:00Z"), log: silentLogger, baseDir: dir, cursor, ...extra };
}

function source(spec: { path?: string; url?: string; department?: string }): DumpSourceConfig {
  return { id: "dump", type: "dump", ...spec };
}

async function errorOf(promise: Promise<unknown>): Promise<PressroomError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof PressroomError) return error;
    throw error;
  }
  throw new Error("expected a PressroomError");
}

/** Reads a dump source to the end: a streamed file's batches are drained into `items`. */
async function readAll(config: DumpSourceConfig, ctx: SourceContext): Promise<SourceResult> {
  const result = await dumpAdapter.read(config, ctx);
  if (!result.batches) return result;
  const items = [];
  for await (const batch of result.batches) items.push(...batch.items);
  return { status: result.status, items, cursor: result.cursor, warnings: result.warnings };
}

function titles(result: SourceResult): string[] {
  return result.items.map((i) => i.release.title);
}

describe("dump source: a file", () => {
  it("reads a relative path against baseDir, then reports not-modified until the content changes", async () => {
    await copyFile(SAMPLE, join(dir, "dump.txt"));
    const first = await readAll(source({ path: "dump.txt" }), context());
    expect(first.status).toBe("ok");
    expect(first.items).toHaveLength(10);
    expect(first.items[0]?.sourceItemId).toBe("dump.txt:3");
    expect(first.items.every((i) => i.url === undefined)).toBe(true);
    expect(first.items.map((i) => i.sourceItemId)).toContain("dump.txt:535");

    const second = await readAll(source({ path: "dump.txt" }), context(first.cursor));
    expect(second).toEqual({ status: "not-modified", items: [], cursor: first.cursor, warnings: [] });

    const edited = (await readFile(join(dir, "dump.txt"), "utf8")).replace("Thank you.", "Thank you all.");
    await writeFile(join(dir, "dump.txt"), edited);
    const third = await readAll(source({ path: "dump.txt" }), context(second.cursor));
    expect(third.status).toBe("ok");
    expect(third.items).toHaveLength(10);
    expect(third.cursor).not.toEqual(first.cursor);
  });

  it("passes the department option and parser warnings through", async () => {
    await writeFile(join(dir, "s.txt"), "  • SPEECH : Talk [May 2024]\n\n    The speech made by A B, the Minister, on 2 May 2024.\n\n    Hi.\n\n  • PRESS RELEASE : Undated\n\n    Body.\n");
    const result = await readAll(source({ path: "s.txt", department: "Cabinet Office" }), context());
    expect(result.items.map((i) => [i.release.department, i.release.kind])).toEqual([["Cabinet Office", "speech"]]);
    expect(result.warnings).toEqual([expect.stringMatching(/s\.txt:7: "Undated": no date line .*skipped$/)]);
  });

  it("reports progress in bytes, ending at the file size", async () => {
    await copyFile(SAMPLE, join(dir, "dump.txt"));
    const calls: [number, number][] = [];
    await readAll(source({ path: "dump.txt" }), context({}, { onProgress: (d, t) => calls.push([d, t]) }));
    const size = (await readFile(SAMPLE)).length;
    expect(calls.at(-1)).toEqual([size, size]);
  });

  it.each([
    ["a missing file", "missing.txt", /missing\.txt: no such file or folder$/],
    ["a path through a file", "dump.txt/inner.txt", /dump\.txt\/inner\.txt: a part of the path is not a folder$/],
  ])("fails with DUMP_UNREADABLE on %s", async (_name, path, message) => {
    await writeFile(join(dir, "dump.txt"), "x");
    const error = await errorOf(readAll(source({ path }), context()));
    expect(error.code).toBe("DUMP_UNREADABLE");
    expect(error.message).toMatch(message);
    expect(error.message.startsWith(dir)).toBe(true);
  });

  it.each([["an empty file", ""], ["a file of blank lines", "\n  \r\n"], ["a file with no release", "Tag: Home Office\n\n    text\n"]])(
    "fails with DUMP_EMPTY on %s",
    async (_name, content) => {
      await writeFile(join(dir, "e.txt"), content);
      const error = await errorOf(readAll(source({ path: "e.txt" }), context()));
      expect(error.code).toBe("DUMP_EMPTY");
      expect(error.message).toContain(join(dir, "e.txt"));
      expect(error.message).toContain("  • PRESS RELEASE : Title [Month Year]");
    },
  );
});

describe("dump source: an inbox folder or glob", () => {
  it("ingests each new file once, and a changed file again", async () => {
    const inbox = join(dir, "inbox");
    await mkdir(inbox);
    const config = source({ path: "inbox" });
    const empty = await readAll(config, context());
    expect(empty.status).toBe("not-modified");

    await copyFile(SAMPLE, join(inbox, "2023-10.txt"));
    const first = await readAll(config, context(empty.cursor));
    expect(first.status).toBe("ok");
    expect(first.items).toHaveLength(10);
    expect(first.items[0]?.sourceItemId).toBe("2023-10.txt:3");

    const again = await readAll(config, context(first.cursor));
    expect(again.status).toBe("not-modified");
    expect(again.items).toEqual([]);

    await copyFile(new URL("other-issuer.txt", FIXTURES), join(inbox, "2024-05.txt"));
    await writeFile(join(inbox, ".hidden.txt"), "  • PRESS RELEASE : Hidden [May 2024]\n");
    await writeFile(join(inbox, "partial.txt"), ""); // still being written
    const second = await readAll(config, context(again.cursor));
    expect(second.status).toBe("ok");
    expect(titles(second)).toEqual(["New prison places confirmed", "Joint statement on flooding"]);
    expect(second.items.map((i) => i.sourceItemId)).toEqual(["2024-05.txt:3", "2024-05.txt:11"]);

    // Touched but unchanged: not ingested again.
    await utimes(join(inbox, "2023-10.txt"), new Date("2030-01-01"), new Date("2030-01-01"));
    const touched = await readAll(config, context(second.cursor));
    expect(touched.status).toBe("not-modified");

    // The partial file completes; an old file changes.
    await copyFile(new URL("missing-suffix.txt", FIXTURES), join(inbox, "partial.txt"));
    const text = await readFile(join(inbox, "2024-05.txt"), "utf8");
    await writeFile(join(inbox, "2024-05.txt"), text.replace("Summary from the MoJ.", "Corrected summary."));
    const third = await readAll(config, context(touched.cursor));
    expect(titles(third)).toEqual(["New prison places confirmed", "Joint statement on flooding", "Release with no month suffix"]);
    expect(third.items[0]?.release.summary).toBe("Corrected summary.");
  });

  it("keeps going past a file with no release, reports it, and does not report it again", async () => {
    await writeFile(join(dir, "a-bad.txt"), "nothing here\n");
    await copyFile(new URL("missing-suffix.txt", FIXTURES), join(dir, "b-good.txt"));
    const first = await readAll(source({ path: "." }), context());
    expect(first.status).toBe("ok");
    expect(titles(first)).toEqual(["Release with no month suffix"]);
    expect(first.warnings).toEqual([expect.stringMatching(/a-bad\.txt: no release found/)]);
    const second = await readAll(source({ path: "." }), context(first.cursor));
    expect(second).toMatchObject({ status: "not-modified", warnings: [] });
  });

  it("matches * and ? in the last path segment only", async () => {
    await mkdir(join(dir, "in"));
    await copyFile(new URL("missing-suffix.txt", FIXTURES), join(dir, "in", "a1.txt"));
    await copyFile(new URL("missing-repeated-title.txt", FIXTURES), join(dir, "in", "b22.txt"));
    await copyFile(new URL("other-issuer.txt", FIXTURES), join(dir, "in", "c3.md"));
    expect(titles(await readAll(source({ path: "in/*.txt" }), context()))).toEqual(["Release with no month suffix", "New visa rules announced"]);
    expect(titles(await readAll(source({ path: "in/?1.*" }), context()))).toEqual(["Release with no month suffix"]);
    expect(titles(await readAll(source({ path: join(dir, "in", "*.md") }), context()))).toHaveLength(2);
    expect((await readAll(source({ path: "in/*.csv" }), context())).status).toBe("not-modified");
    const error = await errorOf(readAll(source({ path: "i*/a1.txt" }), context()));
    expect(error.code).toBe("SOURCE_INVALID");
    const missing = await errorOf(readAll(source({ path: "nowhere/*.txt" }), context()));
    expect(missing.code).toBe("DUMP_UNREADABLE");
    expect(missing.message).toMatch(/nowhere: no such file or folder$/);
  });
});

describe("dump source: a URL", () => {
  let server: Server;
  let base: string;
  const requests: { path: string; ifNoneMatch?: string }[] = [];
  let sample: Buffer;
  let etag: string | undefined = '"v1"';

  beforeAll(async () => {
    sample = await readFile(SAMPLE);
    server = createServer((req, res) => {
      requests.push({ path: req.url ?? "", ifNoneMatch: req.headers["if-none-match"] });
      if (req.url === "/missing.txt") {
        res.writeHead(404).end("not found");
        return;
      }
      if (etag && req.headers["if-none-match"] === etag) {
        res.writeHead(304).end();
        return;
      }
      res.writeHead(200, { "content-type": "text/plain; charset=utf-8", ...(etag ? { etag } : {}) }).end(sample);
    });
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => { await new Promise((done) => server.close(done)); });
  beforeEach(() => { requests.length = 0; });

  it("fetches, stores the validators, and turns a 304 into not-modified", async () => {
    etag = '"v1"';
    const config = source({ url: `${base}/dumps/home-office-2023-10.txt` });
    const first = await readAll(config, context());
    expect(first.status).toBe("ok");
    expect(first.items).toHaveLength(10);
    expect(first.items[0]?.sourceItemId).toBe("home-office-2023-10.txt:3");
    expect(first.cursor).toMatchObject({ validators: { etag: '"v1"' } });

    const second = await readAll(config, context(first.cursor));
    expect(second).toEqual({ status: "not-modified", items: [], cursor: first.cursor, warnings: [] });
    expect(requests.map((r) => r.ifNoneMatch)).toEqual([undefined, '"v1"']);
  });

  it("treats an unchanged body from a server without validators as not-modified", async () => {
    etag = undefined;
    const config = source({ url: `${base}/plain.txt` });
    const first = await readAll(config, context());
    expect(first.status).toBe("ok");
    const second = await readAll(config, context(first.cursor));
    expect(second.status).toBe("not-modified");
    expect(requests).toHaveLength(2);
  });

  it("lets fetch errors through, and refuses non-http URLs", async () => {
    const error = await errorOf(readAll(source({ url: `${base}/missing.txt` }), context()));
    expect(error.code).toBe("FETCH_HTTP");
    const ftp = await errorOf(readAll(source({ url: "ftp://example.invalid/d.txt" }), context()));
    expect(isPressroomError(ftp, "SOURCE_INVALID")).toBe(true);
  });
});
