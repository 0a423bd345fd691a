import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { createHttpFetcher } from "../../src/sources/http-fetch.js";
import { failure } from "../helpers/failure.js";

const BUILT_FETCHER = pathToFileURL(resolve(import.meta.dirname, "../../dist/sources/http-fetch.js")).href;

const timeouts = (): number => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

describe("a URL the fetcher refuses", () => {
  it.each([
    ["ftp://example.org/feed.xml", "only http and https URLs can be fetched (got ftp:)"],
    ["htp:/not a url", "only http and https URLs can be fetched (got htp:)"],
    ["not a url", "is not a valid URL"],
  ])("%s fails with FETCH_FAILED and leaves no timer running", async (url, message) => {
    const before = timeouts();
    const error = await failure(createHttpFetcher({ timeoutMs: 60_000 }).get(url));
    expect(error.code).toBe("FETCH_FAILED");
    expect(error.message).toContain(message);
    expect(timeouts()).toBe(before);
  });

  it("lets a process exit at once: no 20 s timeout keeps it alive (built fetcher, child process)", async () => {
    const script = `
      import { createHttpFetcher } from ${JSON.stringify(BUILT_FETCHER)};
      createHttpFetcher().get("ftp://example.org/feed.xml").then(
        () => console.log("resolved"),
        (e) => console.log(e.code),
      );
    `;
    const started = Date.now();
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((done, reject) => {
      const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      const kill = setTimeout(() => child.kill("SIGKILL"), 15_000);
      child.on("error", reject);
      child.on("close", (c) => {
        clearTimeout(kill);
        done({ code: c, stdout: out });
      });
    });
    expect(stdout.trim()).toBe("FETCH_FAILED");
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 20_000);
});
