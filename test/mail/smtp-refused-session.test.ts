import { createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { afterEach, expect, it } from "vitest";
import { fixedClock } from "../../src/core/clock.js";
import { memoryLogger } from "../../src/core/logger.js";
import { flushOutbox } from "../../src/mail/flush-outbox.js";
import { createMailTransport } from "../../src/mail/mail-transport.js";
import { composeAlert } from "../../src/mail/compose-alert.js";
import { composeOptions } from "../fixtures/mail/builders.js";
import { describeEngines, type TestState } from "../helpers/state-engines.js";
import { cleanupRetrying, iso, makeDelivery, NOW } from "../store/contract/fixtures.js";

/**
 * A scripted SMTP server: it refuses the message at the end of DATA with a 5xx (as an anti-spam
 * filter does) and then ends the session without answering the client's RSET (`onRset`: "close"
 * drops the connection, "silent" never answers).
 */
async function refusingServer(onRset: "close" | "silent"): Promise<{ url: string; server: Server; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    let inData = false;
    let buffer = "";
    socket.write("220 refuse.test ESMTP\r\n");
    socket.on("data", (chunk) => {
      buffer += chunk.toString("latin1");
      for (;;) {
        if (inData) {
          const end = buffer.indexOf("\r\n.\r\n");
          if (end < 0) return;
          buffer = buffer.slice(end + 5);
          inData = false;
          socket.write("554 5.7.1 message refused as spam\r\n");
          continue;
        }
        const nl = buffer.indexOf("\r\n");
        if (nl < 0) return;
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === "EHLO" || verb === "HELO") socket.write("250 refuse.test\r\n");
        else if (verb === "MAIL" || verb === "RCPT") socket.write("250 OK\r\n");
        else if (verb === "DATA") {
          inData = true;
          socket.write("354 go ahead\r\n");
        } else if (verb === "RSET") {
          if (onRset === "close") socket.destroy();
          // "silent": no answer at all
        } else if (verb === "QUIT") {
          socket.end("221 bye\r\n");
        } else socket.write("250 OK\r\n");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `smtp://127.0.0.1:${(server.address() as AddressInfo).port}`, server, sockets };
}

const within = <T>(promise: Promise<T>, ms: number): Promise<T | "still running"> =>
  Promise.race([promise, new Promise<"still running">((resolve) => setTimeout(() => resolve("still running"), ms).unref())]);

it("transport.send settles when the server drops the session after refusing a message (RSET never answered)", async () => {
  const { url, server, sockets } = await refusingServer("close");
  const transport = createMailTransport({ smtpUrl: url, outboxDir: "/nonexistent", timeoutMs: 500, connections: 1 });
  try {
    const message = composeAlert([makeDelivery("d1", "ann@example.org", NOW)], composeOptions);
    const outcome = await within(transport.send(message).then(() => "accepted", (error: Error) => `failed: ${error.message}`), 5_000);
    expect(outcome).toMatch(/^failed: .*554/);
  } finally {
    void transport.close();
    for (const s of sockets) s.destroy();
    server.close();
  }
}, 15_000);

describeEngines("a refused message followed by a dropped session", (engine) => {
  let state: TestState | undefined;
  afterEach(async () => {
    if (state) await cleanupRetrying(state.cleanup);
    state = undefined;
  });

  it("flushOutbox finishes (the delivery marked failed) instead of hanging with its claims held", async () => {
    const clock = fixedClock(NOW);
    state = await engine.fresh({ clock });
    await state.store.outbox.enqueue([makeDelivery("d1", "ann@example.org", iso(-1))]);
    const { url, server, sockets } = await refusingServer("silent");
    // timeoutMs 300: the socket idle timeout (3x) fires 0.9 s after the unanswered RSET.
    const transport = createMailTransport({ smtpUrl: url, outboxDir: "/nonexistent", timeoutMs: 300, connections: 1 });
    try {
      const run = flushOutbox({ outbox: state.store.outbox, owner: "sender", transport, clock, log: memoryLogger(), compose: composeOptions, connections: 1 });
      run.catch(() => {});
      const result = await within(run, 6_000);
      expect(result).toMatchObject({ failed: 1, sent: 0 });
      expect((await state.store.outbox.get("d1"))?.status).toBe("failed");
    } finally {
      void transport.close();
      for (const s of sockets) s.destroy();
      server.close();
    }
  }, 20_000);
});
