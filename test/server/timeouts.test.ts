import { connect } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { createMailTransport } from "../../src/mail/index.js";
import { serveState, SECRET } from "./server-fixture.js";

let close: () => Promise<void>;
let port: number;
beforeAll(async () => {
  const config = parseConfig({ sources: [{ id: "inbox", type: "dump", path: "/nonexistent" }], feeds: { baseUrl: "http://pressroom.test" }, server: { headersTimeoutSeconds: 1, requestTimeoutSeconds: 2, maxConnections: 50 } });
  const served = await serveState(config, { transport: createMailTransport({ outboxDir: join("/tmp", `pressroom-timeouts-${process.pid}`) }) });
  close = served.close;
  port = Number(new URL((await served.server.listen(0, "127.0.0.1")).url).port);
  expect(SECRET).toBeTruthy();
});
afterAll(async () => close?.());

/** Sends `parts` slowly over a raw socket; resolves with what the server answered (or "closed"). */
function slowRequest(parts: readonly string[], gapMs: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let got = "";
    let i = 0;
    const timer = setInterval(() => {
      if (i < parts.length && !socket.destroyed) socket.write(parts[i++]!);
    }, gapMs);
    socket.on("data", (d) => (got += d.toString()));
    socket.on("close", () => {
      clearInterval(timer);
      resolve(got || "closed");
    });
    socket.on("error", () => {});
  });
}

describe("slow clients", () => {
  it("headers that never finish get 408 (server.headersTimeoutSeconds), not a connection held for Node's 30 s check", { timeout: 15_000 }, async () => {
    const answer = await slowRequest(["GET / HTTP/1.1\r\n", "Host: x\r\n", "X-A: 1\r\n", "X-B: 2\r\n", "X-C: 3\r\n", "X-D: 4\r\n", "X-E: 5\r\n", "X-F: 6\r\n"], 1_000);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  });

  it("a body that never finishes gets 408 (server.requestTimeoutSeconds)", { timeout: 15_000 }, async () => {
    const head = "POST /subscribe HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n";
    const answer = await slowRequest([head, "email=", "a", "b", "c", "d", "e", "f", "g", "h"], 1_000);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  });
});
