import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from "vitest";
import { fixedClock } from "../../src/core/clock.js";
import { memoryLogger } from "../../src/core/logger.js";
import type { Delivery } from "../../src/core/subscription.js";
import { flushOutbox, type FlushDeps, type FlushStep } from "../../src/mail/flush-outbox.js";
import { createMailTransport } from "../../src/mail/mail-transport.js";
import { planDeliveries, type AlertCandidate } from "../../src/mail/plan-deliveries.js";
import { composeOptions, makeRelease, makeSubscriber, makeTopic, snippetFor } from "../fixtures/mail/builders.js";
import type { OutboxStore } from "../../src/core/ports.js";
import { describeEngines, type TestState } from "../helpers/state-engines.js";
import { startSmtpSink, type SmtpSink } from "../helpers/smtp-sink.js";
import { DEFAULT_DIGEST_SCHEDULE } from "../../src/config/schema.js";

const WEDNESDAY = "2024-01-10T12:00:00Z";
const THURSDAY_AFTER_DIGEST = "2024-01-11T08:31:00Z";
const MONDAY_AFTER_DIGEST = "2024-01-15T09:00:00Z";

/**
 * alice: immediate topic matching releases 1 and 2 (two alerts);
 * bob: daily topic matching 1, 2, 3 (one digest); carol: weekly topic matching 3 (one digest).
 */
function scenario(): Delivery[] {
  const immediate = makeTopic("facial recognition", "immediate");
  const daily = makeTopic("vans", "daily");
  const weekly = makeTopic("police", "weekly");
  const alice = makeSubscriber("alice@example.org", [immediate]);
  const bob = makeSubscriber("bob@example.org", [daily]);
  const carol = makeSubscriber("carol@example.org", [weekly]);
  const snippet = snippetFor("Facial recognition vans for the police.", "vans");
  const candidate = (n: number, matches: AlertCandidate["matches"]): AlertCandidate => ({
    release: makeRelease(n),
    revisionHash: `hash-${n}`,
    isRevision: false,
    matches,
  });
  return planDeliveries(
    [
      candidate(1, [{ subscriber: alice, topic: immediate, snippet }, { subscriber: bob, topic: daily, snippet }]),
      candidate(2, [{ subscriber: alice, topic: immediate, snippet }, { subscriber: bob, topic: daily, snippet }]),
      candidate(3, [{ subscriber: bob, topic: daily, snippet }, { subscriber: carol, topic: weekly, snippet }]),
    ],
    new Date(WEDNESDAY),
    DEFAULT_DIGEST_SCHEDULE,
  );
}

class InjectedCrash extends Error {}

describeEngines("flushOutbox", (engine) => {
  let sink: SmtpSink;
  let dir: string;
  let state: TestState;
  let ids: string[];
  const clock = fixedClock(WEDNESDAY);

  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(async () => {
    await sink.close();
  });
  beforeEach(async () => {
    sink.reset();
    dir = await mkdtemp(join(tmpdir(), "pressroom-flush-"));
    clock.set(WEDNESDAY);
    state = await engine.fresh({ clock });
    const planned = scenario();
    ids = planned.map((d) => d.id);
    await withStoreOutbox((outbox) => outbox.enqueue(planned));
  });
  afterEach(async () => {
    await state.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  /** The real store's outbox over the test's state folder, opened and closed like one process. */
  async function withStoreOutbox<T>(work: (outbox: OutboxStore) => Promise<T>): Promise<T> {
    const store = await state.open({ clock });
    try {
      return await work(store.outbox);
    } finally {
      await store.close();
    }
  }

  /** One "process": a fresh outbox over the same state and a fresh transport, closed afterwards. */
  async function run(extra: Partial<FlushDeps> = {}, smtpUrl: string | null = sink.url) {
    const transport = createMailTransport({ ...(smtpUrl ? { smtpUrl } : {}), outboxDir: join(dir, "eml"), timeoutMs: 5_000, clock });
    const log = memoryLogger();
    try {
      return await withStoreOutbox((outbox) => flushOutbox({ outbox, owner: "test-sender", transport, clock, log, compose: composeOptions, ...extra }));
    } finally {
      await transport.close();
      for (const entry of log.entries) expect(JSON.stringify(entry)).not.toMatch(/@example\.org/);
    }
  }

  async function deliveries(): Promise<Delivery[]> {
    return withStoreOutbox(async (outbox) => (await Promise.all(ids.map((id) => outbox.get(id)))).filter((d): d is Delivery => d !== undefined));
  }

  /** Message-IDs each delivery arrived under, from what the SMTP server received. */
  function arrivals(all: readonly Delivery[]): Map<string, Set<string>> {
    const byDelivery = new Map(all.map((d) => [d.id, new Set<string>()]));
    for (const m of sink.messages) {
      for (const d of all) {
        if (m.to.includes(d.email) && m.parsed.text?.includes(d.snapshot.title)) byDelivery.get(d.id)!.add(m.messageId!);
      }
    }
    return byDelivery;
  }

  it("sends immediate alerts alone and one digest per subscriber and frequency when due", async () => {
    expect(await run()).toEqual({ sent: 2, failed: 0, retrying: 0, pending: 4, messages: 2 });
    expect(sink.messages.map((m) => m.to[0])).toEqual(["alice@example.org", "alice@example.org"]);

    clock.set(THURSDAY_AFTER_DIGEST);
    expect(await run()).toEqual({ sent: 3, failed: 0, retrying: 0, pending: 1, messages: 1 });
    const bobs = sink.messages.filter((m) => m.to[0] === "bob@example.org");
    expect(bobs).toHaveLength(1);
    expect(bobs[0]!.parsed.subject).toBe("[Pressroom] 3 new Home Office releases for your topics");

    clock.set(MONDAY_AFTER_DIGEST);
    expect(await run()).toEqual({ sent: 1, failed: 0, retrying: 0, pending: 0, messages: 1 });
    expect(sink.messages.map((m) => m.to[0])).toEqual(["alice@example.org", "alice@example.org", "bob@example.org", "carol@example.org"]);
    expect(await run()).toEqual({ sent: 0, failed: 0, retrying: 0, pending: 0, messages: 0 });
    expect(sink.messages).toHaveLength(4);

    for (const d of await deliveries()) {
      expect(d.status).toBe("sent");
      expect(d.sentAt).toBeDefined();
      expect(sink.messages.filter((m) => m.messageId === d.messageId)).toHaveLength(1);
    }
  });

  const steps: FlushStep[] = ["before-batch", "after-batch", "after-send", "after-mark"];
  const LEASE_MS = 5 * 60_000;
  it.each(steps.flatMap((step) => [[1, 1], [3, 1], [2, 4]].map(([nth, connections]) => [step, nth!, connections!] as const)))(
    "delivers every alert under one Message-ID after a death at %s of message %i (%i connections)",
    async (step, nth, connections) => {
      clock.set(MONDAY_AFTER_DIGEST); // everything is due: 4 messages
      let calls = 0;
      let crashedIds: string[] = [];
      const crashAt = (at: FlushStep, ids: string[]) => {
        if (at === step && ++calls === nth) {
          crashedIds = ids;
          throw new InjectedCrash(`injected crash at ${at}`);
        }
      };
      await expect(run({ crashAt, connections, leaseMs: LEASE_MS })).rejects.toBeInstanceOf(InjectedCrash);
      // A dead sender's claims come back when their lease ends (lowdb's claims die with its process).
      clock.advance(LEASE_MS);
      await run({ connections });
      await run({ connections }); // a third run has nothing left to do

      const all = await deliveries();
      expect(all.every((d) => d.status === "sent")).toBe(true);
      const messageIds = new Set(all.map((d) => d.messageId));
      expect(messageIds.size).toBe(4);
      for (const [, ids] of arrivals(all)) {
        expect(ids.size).toBe(1); // never lost, never under two Message-IDs
        expect(messageIds.has([...ids][0])).toBe(true);
      }
      const received = new Map<string, number>();
      for (const m of sink.messages) received.set(m.messageId!, (received.get(m.messageId!) ?? 0) + 1);
      expect(new Set(received.keys())).toEqual(messageIds);
      const duplicates = [...received.values()].reduce((n, c) => n + c - 1, 0);
      // A duplicate only for a message in flight at the death: at most one per connection.
      expect(duplicates).toBeLessThanOrEqual(connections);
      if (connections === 1) {
        const crashedMessageId = all.find((d) => d.id === crashedIds[0])!.messageId!;
        for (const [messageId, count] of received) {
          // Only a crash after the server accepted and before marking sent re-sends, with the same Message-ID.
          expect(count).toBe(step === "after-send" && messageId === crashedMessageId ? 2 : 1);
        }
      }
    },
  );

  it("leaves a dead sender's claims to their lease: another sender takes them only once it ends", async () => {
    clock.set(MONDAY_AFTER_DIGEST);
    const crashAt = (at: FlushStep) => {
      if (at === "after-batch") throw new InjectedCrash("died after recording the batches");
    };
    await expect(run({ crashAt, leaseMs: LEASE_MS })).rejects.toBeInstanceOf(InjectedCrash);
    clock.advance(LEASE_MS - 1_000);
    const early = await run({ leaseMs: LEASE_MS });
    // PostgreSQL keeps the claims in the database; lowdb's die with the process that held the lock.
    expect(early.messages).toBe(engine.name === "postgres" ? 0 : 4);
    clock.advance(1_000);
    await run();
    expect(new Set(sink.messages.map((m) => m.messageId)).size).toBe(4);
    expect(sink.messages).toHaveLength(4);
  });

  it("retries later when the server is down, then delivers", async () => {
    await sink.down();
    try {
      const result = await run({ connections: 1 }); // one connection: exactly one message is tried
      expect(result).toMatchObject({ sent: 0, failed: 0, retrying: 1, pending: 6 });
      const tried = (await deliveries()).filter((d) => d.attempts > 0);
      expect(tried).toHaveLength(1);
      expect(tried[0]!.lastError).toMatch(/ECONNREFUSED|ESOCKET|ECONNECTION/);
      expect(tried[0]!.dueAt).toBe(new Date(Date.parse(WEDNESDAY) + 60_000).toISOString());
    } finally {
      await sink.up();
    }
    clock.advance(30_000); // the untried immediate alert is due, the tried one waits for its backoff
    expect(await run()).toMatchObject({ sent: 1, pending: 5 });
    clock.advance(60_000);
    expect(await run()).toMatchObject({ sent: 1, pending: 4 });
    expect(sink.messages).toHaveLength(2);
  });

  it("retries a 4xx with backoff, re-sending the recorded Message-ID, and gives up after maxAttempts", async () => {
    sink.rejectData(451);
    expect(await run()).toMatchObject({ sent: 0, retrying: 2, pending: 6 });
    const first = (await deliveries()).filter((d) => d.attempts === 1);
    expect(first).toHaveLength(2);
    expect(first[0]!.lastError).toMatch(/451/);
    expect(await run()).toMatchObject({ sent: 0, retrying: 0 }); // not due yet
    clock.advance(60_000);
    expect(await run({ maxAttempts: 3 })).toMatchObject({ retrying: 2 });
    const second = (await deliveries()).filter((d) => d.attempts === 2);
    expect(second.map((d) => d.dueAt)).toEqual(second.map(() => new Date(clock.now().getTime() + 120_000).toISOString()));

    sink.rejectData(undefined);
    clock.advance(120_000);
    expect(await run()).toMatchObject({ sent: 2, messages: 2 });
    const sent = (await deliveries()).filter((d) => d.status === "sent");
    expect(sink.messages.map((m) => m.messageId).sort()).toEqual(sent.map((d) => d.messageId).sort());
  });

  it("gives up as failed after maxAttempts transient failures", async () => {
    sink.rejectData(451);
    await run({ maxAttempts: 2 });
    clock.advance(60_000);
    expect(await run({ maxAttempts: 2 })).toMatchObject({ failed: 2, retrying: 0 });
    const failed = (await deliveries()).filter((d) => d.status === "failed");
    expect(failed).toHaveLength(2);
    expect(failed[0]!.lastError).toMatch(/^gave up after 2 attempts: .*451/);
  });

  it.each([
    ["a 5xx reply to the message", () => sink.rejectData(554), /554/],
    ["a rejected recipient", () => sink.rejectRecipient("alice@example.org", 550), /550/],
  ])("records %s as a visible permanent failure", async (_name, arrange, pattern) => {
    arrange();
    expect(await run()).toMatchObject({ sent: 0, failed: 2, retrying: 0, pending: 4 });
    const failed = (await deliveries()).filter((d) => d.status === "failed");
    expect(failed.map((d) => d.email)).toEqual(["alice@example.org", "alice@example.org"]);
    for (const d of failed) expect(d.lastError).toMatch(pattern);
    sink.reset();
    clock.advance(24 * 3600_000);
    await run();
    expect(sink.messages.filter((m) => m.to[0] === "alice@example.org")).toHaveLength(0);
  });

  it("writes .eml files when no SMTP is configured, once per message even after a crash", async () => {
    clock.set(MONDAY_AFTER_DIGEST);
    const crashAt = (step: FlushStep) => {
      if (step === "after-send") throw new InjectedCrash("crash");
    };
    await expect(run({ crashAt }, null)).rejects.toBeInstanceOf(InjectedCrash);
    clock.advance(LEASE_MS); // the dead sender's claims end with their lease
    expect(await run({}, null)).toMatchObject({ sent: 6, pending: 0, messages: 4 });
    const files = await readdir(join(dir, "eml"));
    expect(files.filter((f) => f.endsWith(".eml"))).toHaveLength(4);
    expect(files.every((f) => f.endsWith(".eml"))).toBe(true);
    expect(sink.messages).toHaveLength(0);
  });
});
