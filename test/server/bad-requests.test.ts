import { request } from "node:http";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServedState, type ServedState } from "./server-fixture.js";

let s: ServedState;
const SECRET_FILE_TEXT = "top-secret-key-material-never-served";
beforeAll(async () => {
  s = await startServedState({ dumps: [] });
  await writeFile(join(s.stateDir, "secret.key"), SECRET_FILE_TEXT);
});
afterAll(async () => s?.cleanup());

/** A raw request: the path goes out exactly as written (fetch would normalise dot segments). */
function raw(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(s.url, { method, path, headers: body === undefined ? headers : { "content-type": "application/x-www-form-urlencoded", ...headers } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => { text += c; });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("bad requests get 4xx and the server keeps serving", () => {
  it.each([
    "/nope",
    "/feeds/../secret.key",
    "/feeds/%2e%2e/secret.key",
    "/feeds/%2E%2E%2Fsecret.key",
    "/feeds/kinds/..%2f..%2fsecret.key.atom",
    "/feeds/kinds/%2e%2e%2fsecret.atom",
    "/feeds/..%5c..%5csecret.key",
    "/secret.key",
    "/meta.json",
    "/feeds/all.atom/",
    "/feeds/all.atom%00.txt",
    "/feeds/ALL.atom",
    "//etc/passwd",
  ])("%s is 404 and leaks nothing", async (path) => {
    const res = await raw("GET", path);
    expect(res.status).toBe(404);
    expect(res.body).not.toContain(SECRET_FILE_TEXT);
  });

  it("a live-feed query string over 2 KB is 400 \"query too long\", not 414", async () => {
    const res = await raw("GET", `/feeds/topics?q=${"a".repeat(3000)}`);
    expect(res.status).toBe(400);
    expect(res.body).toContain("query too long");
  });

  it("another URL over 2 KB is 414", async () => {
    const res = await raw("GET", `/feeds/all.atom?x=${"a".repeat(3000)}`);
    expect(res.status).toBe(414);
  });

  it("a request line past Node's header limit is refused, not crashed", async () => {
    const res = await raw("GET", `/feeds/topics?q=${"a".repeat(20_000)}`);
    expect([400, 414, 431]).toContain(res.status);
  });

  it.each([
    ["DELETE", "/feeds/all.atom", "GET, HEAD"],
    ["PUT", "/", "GET, HEAD"],
    ["POST", "/feeds/all.atom", "GET, HEAD"],
    ["POST", "/healthz", "GET, HEAD"],
    ["PATCH", "/unsubscribe", "GET, HEAD, POST"],
  ])("%s %s is 405 with Allow: %s", async (method, path, allow) => {
    const res = await raw(method, path);
    expect(res.status).toBe(405);
    expect(res.headers["allow"]).toBe(allow);
  });

  it("a POST body over the limit is 413", async () => {
    const res = await raw("POST", "/subscribe", `email=a%40example.org&query=${"x".repeat(40_000)}`);
    expect(res.status).toBe(413);
  });

  it("a confirm with a body of another type is treated as an empty form (400)", async () => {
    const res = await raw("POST", "/confirm", '{"token":"x"}', { "content-type": "application/json" });
    expect(res.status).toBe(400);
  });

  it("a live-topic query over 500 characters is 400", async () => {
    expect((await raw("GET", `/feeds/topics?q=${"ab+".repeat(200)}`)).status).toBe(400);
  });

  it("still answers after all of that", async () => {
    expect((await raw("GET", "/healthz")).status).toBe(200);
    expect((await raw("GET", "/feeds/all.atom")).status).toBe(200);
  });
});
