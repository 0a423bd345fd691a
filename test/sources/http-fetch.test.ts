import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_USER_AGENT, createHttpFetcher } from "../../src/sources/http-fetch.js";
import { backoffDelay, parseRetryAfter } from "../../src/sources/http-retry.js";
import { startFixtureServer } from "../helpers/fixture-server.js";
import type { FixtureServer } from "../helpers/fixture-server.js";
import { failure } from "../helpers/failure.js";

let server: FixtureServer;
let slept: number[];
const sleep = async (ms: number): Promise<void> => { slept.push(ms); };

beforeEach(async () => {
  server = await startFixtureServer();
  slept = [];
});
afterEach(async () => {
  await server.close();
});


describe("createHttpFetcher", () => {
  it("sends a descriptive User-Agent and returns body, content type and validators", async () => {
    server.route("/doc", { body: "hello", contentType: "text/plain; charset=utf-8", etag: '"v1"', lastModified: "Mon, 30 Oct 2023 09:00:00 GMT" });
    const result = await createHttpFetcher({ sleep }).get(server.url("/doc"), { accept: "text/plain" });
    expect(result).toEqual({
      status: "ok",
      url: server.url("/doc"),
      body: "hello",
      contentType: "text/plain; charset=utf-8",
      validators: { etag: '"v1"', lastModified: "Mon, 30 Oct 2023 09:00:00 GMT" },
    });
    expect(server.requests[0]?.headers["user-agent"]).toBe(DEFAULT_USER_AGENT);
    expect(server.requests[0]?.headers.accept).toBe("text/plain");
  });

  it("does a conditional GET round trip: the second request sends the validators and gets 304", async () => {
    server.route("/feed.atom", { body: "<feed/>", etag: '"abc"', lastModified: "Tue, 31 Oct 2023 10:00:00 GMT" });
    const http = createHttpFetcher({ sleep });
    const first = await http.get(server.url("/feed.atom"));
    expect(first.status).toBe("ok");
    const validators = first.status === "ok" ? first.validators : {};
    const second = await http.get(server.url("/feed.atom"), { validators });
    expect(second).toEqual({ status: "not-modified", url: server.url("/feed.atom") });
    expect(server.requests[1]?.headers["if-none-match"]).toBe('"abc"');
    expect(server.requests[1]?.headers["if-modified-since"]).toBe("Tue, 31 Oct 2023 10:00:00 GMT");
    expect(server.requests[1]?.status).toBe(304);
  });

  it("waits as Retry-After (seconds) asks on 429, then succeeds", async () => {
    server.route("/busy", [{ status: 429, headers: { "retry-after": "2" }, body: "slow down" }, { body: "ok now" }]);
    const result = await createHttpFetcher({ sleep }).get(server.url("/busy"));
    expect(result.status === "ok" && result.body).toBe("ok now");
    expect(slept).toEqual([2000]);
  });

  it("reads an HTTP-date Retry-After on 503", async () => {
    const now = Date.parse("2024-01-01T12:00:00Z");
    server.route("/down", [{ status: 503, headers: { "retry-after": "Mon, 01 Jan 2024 12:00:05 GMT" } }, { body: "up" }]);
    const result = await createHttpFetcher({ sleep, now: () => now }).get(server.url("/down"));
    expect(result.status).toBe("ok");
    expect(slept).toEqual([5000]);
  });

  it("backs off exponentially without Retry-After and gives up after the retries", async () => {
    server.route("/always-busy", { status: 503 });
    const error = await failure(createHttpFetcher({ sleep, retries: 3, random: () => 1 }).get(server.url("/always-busy")));
    expect(error.code).toBe("FETCH_HTTP");
    expect(error.message).toContain("HTTP 503");
    expect(slept).toEqual([1000, 2000, 4000]);
    expect(server.requests).toHaveLength(4);
  });

  it("gives up at once when Retry-After asks for longer than the cap", async () => {
    server.route("/later", { status: 429, headers: { "retry-after": "3600" } });
    const error = await failure(createHttpFetcher({ sleep, maxRetryAfterMs: 10_000 }).get(server.url("/later")));
    expect(error.code).toBe("FETCH_HTTP");
    expect(error.message).toMatch(/retry after 3600 s/);
    expect(slept).toEqual([]);
  });

  it("reports a 500 as FETCH_HTTP naming the URL", async () => {
    server.route("/broken", { status: 500, body: "oops" });
    const error = await failure(createHttpFetcher({ sleep }).get(server.url("/broken")));
    expect(error).toEqual({ code: "FETCH_HTTP", message: `${server.url("/broken")}: HTTP 500` });
  });

  it("times out on a hang with FETCH_TIMEOUT naming the URL", async () => {
    server.route("/hang", { hang: true });
    const error = await failure(createHttpFetcher({ sleep, timeoutMs: 200 }).get(server.url("/hang")));
    expect(error.code).toBe("FETCH_TIMEOUT");
    expect(error.message).toContain(server.url("/hang"));
  });

  it("times out when the body stalls after the headers", async () => {
    server.route("/stall", {
      handle: (_req, res) => {
        res.writeHead(200, { "content-type": "text/plain" });
        res.write("partial");
      },
    });
    const error = await failure(createHttpFetcher({ sleep, timeoutMs: 200 }).get(server.url("/stall")));
    expect(error.code).toBe("FETCH_TIMEOUT");
  });

  it.each([
    ["declared by Content-Length", false],
    ["found while streaming (gzip, no usable length)", true],
  ])("stops at the size limit when %s", async (_label, gzip) => {
    server.route("/big", { body: "x".repeat(50_000), gzip });
    const error = await failure(createHttpFetcher({ sleep, maxBytes: 10_000 }).get(server.url("/big")));
    expect(error.code).toBe("FETCH_TOO_LARGE");
    expect(error.message).toContain("10000-byte limit");
  });

  it("stops at the size limit on a chunked body with no length", async () => {
    server.route("/chunked", {
      handle: (_req, res) => {
        res.writeHead(200, { "content-type": "text/plain" });
        for (let i = 0; i < 20; i += 1) res.write("y".repeat(1000));
        res.end();
      },
    });
    const error = await failure(createHttpFetcher({ sleep, maxBytes: 5000 }).get(server.url("/chunked")));
    expect(error.code).toBe("FETCH_TOO_LARGE");
  });

  it("follows redirects and reports the final URL", async () => {
    server.route("/old", { redirect: "/middle", status: 301 });
    server.route("/middle", { redirect: server.url("/new") });
    server.route("/new", { body: "moved" });
    const result = await createHttpFetcher({ sleep }).get(server.url("/old"));
    expect(result).toMatchObject({ status: "ok", url: server.url("/new"), body: "moved" });
  });

  it("fails on a redirect loop with too many redirects", async () => {
    server.route("/a", { redirect: "/b" });
    server.route("/b", { redirect: "/a" });
    const error = await failure(createHttpFetcher({ sleep, maxRedirects: 4 }).get(server.url("/a")));
    expect(error.code).toBe("FETCH_FAILED");
    expect(error.message).toContain("too many redirects");
    expect(server.requests).toHaveLength(5);
  });

  it("asks for gzip and decompresses it", async () => {
    const text = "<p>caf\u00e9 \u2019quoted\u2019</p>".repeat(100);
    server.route("/zipped", { body: text, gzip: true, contentType: "text/html; charset=utf-8" });
    const result = await createHttpFetcher({ sleep }).get(server.url("/zipped"));
    expect(server.requests[0]?.headers["accept-encoding"]).toMatch(/gzip/);
    expect(server.requests[0]?.gzipped).toBe(true);
    expect(result.status === "ok" && result.body).toBe(text);
  });

  it("decodes a Latin-1 body by its charset", async () => {
    server.route("/latin1", { body: Buffer.from([0x63, 0x61, 0x66, 0xe9]), contentType: "text/plain; charset=iso-8859-1" });
    const result = await createHttpFetcher({ sleep }).get(server.url("/latin1"));
    expect(result.status === "ok" && result.body).toBe("caf\u00e9");
  });

  it("reports a refused connection as FETCH_FAILED", async () => {
    const url = server.url("/gone");
    await server.close();
    server = await startFixtureServer();
    const error = await failure(createHttpFetcher({ sleep }).get(url));
    expect(error).toEqual({ code: "FETCH_FAILED", message: `${url}: connection refused` });
  });

  it("rejects non-http URLs", async () => {
    const error = await failure(createHttpFetcher({ sleep }).get("file:///etc/passwd"));
    expect(error.code).toBe("FETCH_FAILED");
  });
});

describe("retry timing", () => {
  it.each([
    ["120", 120_000],
    ["0", 0],
    ["Mon, 01 Jan 2024 12:01:00 GMT", 60_000],
    ["Mon, 01 Jan 2024 11:00:00 GMT", 0],
    ["soon", undefined],
    [undefined, undefined],
  ])("parseRetryAfter(%j)", (value, expected) => {
    expect(parseRetryAfter(value, Date.parse("2024-01-01T12:00:00Z"))).toBe(expected);
  });

  it("backoff doubles, jitters between half and full, and is capped", () => {
    expect([0, 1, 2].map((a) => backoffDelay(a, 60_000, () => 1))).toEqual([1000, 2000, 4000]);
    expect(backoffDelay(2, 60_000, () => 0)).toBe(2000);
    expect(backoffDelay(10, 5000, () => 1)).toBe(5000);
  });
});
