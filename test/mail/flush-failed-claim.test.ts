import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from "vitest";
import { fixedClock } from "../../src/core/clock.js";
import { memoryLogger } from "../../src/core/logger.js";
import type { OutboxAck, OutboxStore, StateStore } from "../../src/core/ports.js";
import { flushOutbox } from "../../src/mail/flush-outbox.js";
import { createMailTransport } from "../../src/mail/mail-transport.js";
import { composeOptions } from "../fixtures/mail/builders.js";
import { describeEngines, type TestState } from "../helpers/state-engines.js";
import { startSmtpSink, type SmtpSink } from "../helpers/smtp-sink.js";
import { cleanupRetrying, iso, makeDelivery, NOW } from "../store/contract/fixtures.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The real store's outbox, every method bound to it; `over` replaces some. */
function wrap(store: StateStore, over: Partial<OutboxStore>): OutboxStore {
  const o = store.outbox;
  return {
    enqueue: o.enqueue.bind(o),
    claimDue: o.claimDue.bind(o),
    assignBatch: o.assignBatch.bind(o),
    assignBatches: o.assignBatches.bind(o),
    ack: o.ack.bind(o),
    releaseClaims: o.releaseClaims.bind(o),
    stats: o.stats.bind(o),
    pending: o.pending.bind(o),
    get: o.get.bind(o),
    recentFailures: o.recentFailures.bind(o),
    ...over,
  };
}

/**
 * The real outbox, whose second claim (the one made ahead) fails as a dropped database connection
 * or an I/O error would, and whose durable ack takes 300 ms (fsync on a busy disk, a round trip).
 */
function failingClaimSlowAck(store: StateStore): OutboxStore {
  let claims = 0;
  return wrap(store, {
    claimDue: async (...args) => {
      if (++claims === 2) throw new Error("state: connection terminated unexpectedly");
      return store.outbox.claimDue(...args);
    },
    ack: async (acks: readonly OutboxAck[]) => {
      await sleep(300);
      return store.outbox.ack(acks);
    },
  });
}

describeEngines("flushOutbox failing part-way keeps the acks of messages already accepted", (engine) => {
  let sink: SmtpSink;
  let dir: string;
  let state: TestState;
  const clock = fixedClock(NOW);

  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(async () => {
    await sink.close();
  });
  beforeEach(async () => {
    sink.reset();
    dir = await mkdtemp(join(tmpdir(), "pressroom-flush-"));
    state = await engine.fresh({ clock });
  });
  afterEach(async () => {
    await cleanupRetrying(state.cleanup);
    await rm(dir, { recursive: true, force: true });
  });

  /** A flush over `outbox`: one connection, one address a claim. */
  async function flush(outbox: OutboxStore, owner: string): Promise<void> {
    const transport = createMailTransport({ smtpUrl: sink.url, outboxDir: join(dir, "eml"), timeoutMs: 5_000, connections: 1 });
    try {
      await flushOutbox({ outbox, owner, transport, clock, log: memoryLogger(), compose: composeOptions, connections: 1, claimLimit: 1 });
    } finally {
      await transport.close();
    }
  }

  /** A state holding ann's and bob's alerts, and a flush over it whose claim ahead fails. */
  async function failedFlush(): Promise<StateStore> {
    const store = await state.open({ clock });
    await store.outbox.enqueue([makeDelivery("a1", "ann@example.org", iso(-1)), makeDelivery("b1", "bob@example.org", iso(-1))]);
    await expect(flush(failingClaimSlowAck(store), "sender-1")).rejects.toThrow(/connection terminated/);
    return store;
  }

  it("a failed claim-ahead does not let the flush end (and give claims back) while the accepted message's ack is still being written", async () => {
    const store = await failedFlush();
    // The SMTP server accepted a1's message...
    expect(sink.messages.length).toBe(1);
    const accepted = sink.messages[0]!;
    // ...so by the time flushOutbox has settled, a1 must be recorded as sent.
    const a1 = await store.outbox.get("a1");
    expect({ status: a1?.status, claimableByAnotherSender: (await store.outbox.claimDue("sender-2", 60_000, 10, new Date(NOW))).map((d) => d.id) }).toEqual({
      status: "sent",
      claimableByAnotherSender: ["b1"],
    });
    expect(accepted.to).toEqual(["ann@example.org"]);
    await store.close();
  });

  it("lets the caller close the state after a failed flush without losing the accepted message's ack: the next run does not send it again", async () => {
    const store = await failedFlush();
    // What a command does with a failed run: close the state (the process then exits).
    await store.close();
    await sleep(500);

    // The next run, with nothing failing.
    const next = await state.open({ clock });
    try {
      await flush(next.outbox, "sender-2");
    } finally {
      await next.close();
    }
    const toAnn = sink.messages.filter((m) => m.to[0] === "ann@example.org");
    // ann's alert was accepted once already: it must not go out again.
    expect(toAnn.map((m) => m.messageId)).toHaveLength(1);
  });
});
