import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from "vitest";
import { fixedClock } from "../../src/core/clock.js";
import { memoryLogger } from "../../src/core/logger.js";
import type { OutboxAck, OutboxStore } from "../../src/core/ports.js";
import type { Delivery } from "../../src/core/subscription.js";
import { flushOutbox, type FlushDeps, type FlushStep } from "../../src/mail/flush-outbox.js";
import { createMailTransport, type MailTransport } from "../../src/mail/mail-transport.js";
import { planDeliveries, type AlertCandidate } from "../../src/mail/plan-deliveries.js";
import { composeOptions, makeRelease, makeSubscriber, makeTopic, snippetFor } from "../fixtures/mail/builders.js";
import { describeEngines, type TestState } from "../helpers/state-engines.js";
import { startSmtpSink, type SmtpSink } from "../helpers/smtp-sink.js";
import { DEFAULT_DIGEST_SCHEDULE } from "../../src/config/schema.js";

const WEDNESDAY = "2024-01-10T12:00:00Z";
const THURSDAY_AFTER_DIGEST = "2024-01-11T08:31:00Z";
const LEASE_MS = 5 * 60_000;

class InjectedCrash extends Error {}

/** `n` subscribers with an immediate topic and `n` with a daily one, all matching releases 1 and 2. */
function many(n: number): Delivery[] {
  const immediate = makeTopic("facial recognition", "immediate");
  const daily = makeTopic("vans", "daily");
  const snippet = snippetFor("Facial recognition vans for the police.", "vans");
  const matches: AlertCandidate["matches"][number][] = [];
  for (let i = 0; i < n; i++) {
    matches.push({ subscriber: makeSubscriber(`now${i}@example.org`, [immediate]), topic: immediate, snippet });
    matches.push({ subscriber: makeSubscriber(`daily${i}@example.org`, [daily]), topic: daily, snippet });
  }
  const candidates = [1, 2].map((k): AlertCandidate => ({ release: makeRelease(k), revisionHash: `hash-${k}`, isRevision: false, matches }));
  return planDeliveries(candidates, new Date(WEDNESDAY), DEFAULT_DIGEST_SCHEDULE);
}

describeEngines("concurrent sender", (engine) => {
  let sink: SmtpSink;
  let dir: string;
  let state: TestState;
  const clock = fixedClock(WEDNESDAY);

  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(async () => {
    await sink.close();
  });
  beforeEach(async () => {
    sink.reset();
    dir = await mkdtemp(join(tmpdir(), "pressroom-concurrent-"));
    clock.set(WEDNESDAY);
    state = await engine.fresh({ clock });
  });
  afterEach(async () => {
    await state.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  async function enqueue(deliveries: readonly Delivery[]): Promise<void> {
    const store = await state.open({ clock });
    await store.outbox.enqueue(deliveries);
    await store.close();
  }

  /** One "process" over the state, with the outbox and transport wrapped to watch what they are asked. */
  async function run(extra: Partial<FlushDeps> = {}) {
    const inner = createMailTransport({ smtpUrl: sink.url, outboxDir: join(dir, "eml"), timeoutMs: 5_000, connections: extra.connections ?? 4 });
    let inFlight = 0;
    const watch = { maxInFlight: 0, ackWrites: [] as number[], assignWrites: 0, claims: 0 };
    const transport: MailTransport = {
      kind: inner.kind,
      async send(message, options) {
        watch.maxInFlight = Math.max(watch.maxInFlight, ++inFlight);
        try {
          return await inner.send(message, options);
        } finally {
          inFlight--;
        }
      },
      close: () => inner.close(),
    };
    const store = await state.open({ clock });
    const outbox: OutboxStore = Object.create(store.outbox) as OutboxStore;
    outbox.ack = async (acks: readonly OutboxAck[]) => {
      watch.ackWrites.push(acks.length);
      return store.outbox.ack(acks);
    };
    outbox.assignBatches = async (batches) => {
      watch.assignWrites++;
      return store.outbox.assignBatches(batches);
    };
    outbox.claimDue = async (...args) => {
      const claimed = await store.outbox.claimDue(...args);
      if (claimed.length > 0) watch.claims++;
      return claimed;
    };
    outbox.releaseClaims = store.outbox.releaseClaims.bind(store.outbox);
    outbox.stats = store.outbox.stats.bind(store.outbox);
    try {
      const result = await flushOutbox({ outbox, owner: "sender", transport, clock, log: memoryLogger(), compose: composeOptions, leaseMs: LEASE_MS, ...extra });
      return { result, watch };
    } finally {
      await transport.close();
      await store.close();
    }
  }

  it("sends over several connections at once and acknowledges many messages per durable write", async () => {
    await enqueue(many(12)); // 24 immediate alerts
    sink.slow(40);
    const { result, watch } = await run({ connections: 4, claimLimit: 50 });
    expect(result).toMatchObject({ sent: 24, messages: 24, failed: 0, retrying: 0 });
    expect(watch.maxInFlight).toBe(4);
    expect(watch.assignWrites).toBe(1); // one claim: every Message-ID recorded in one write
    expect(watch.ackWrites.reduce((a, b) => a + b, 0)).toBe(24);
    expect(watch.ackWrites.length).toBeLessThan(24);
    expect(Math.max(...watch.ackWrites)).toBeGreaterThan(1);
    expect(new Set(sink.messages.map((m) => m.messageId)).size).toBe(24);
  });

  it("goes on sending when a claim reaches half its lease: gives the rest back, claims again, and ends with nothing pending", async () => {
    await enqueue(many(4)); // 8 immediate alerts, one message each
    sink.slow(150);
    // Half of a 500 ms lease is about two 150 ms messages on one connection: the run must claim again.
    const { result, watch } = await run({ connections: 1, leaseMs: 500 });
    expect(result).toMatchObject({ sent: 8, messages: 8, failed: 0, retrying: 0, pending: 8 });
    expect(watch.claims).toBeGreaterThan(1);
    expect(new Set(sink.messages.map((m) => m.messageId)).size).toBe(8);
  });

  it("stops, saying why, when claiming alone takes half the lease (claiming again would only do the same)", async () => {
    await enqueue(many(2));
    const log = memoryLogger();
    const { result, watch } = await run({ connections: 1, leaseMs: 1, log });
    expect(result).toMatchObject({ sent: 0, messages: 0, pending: 8 });
    expect(watch.claims).toBe(1);
    expect(log.entries.some((e) => e.level === "warn" && /claim lease too short/.test(e.message))).toBe(true);
    // Nothing was lost: a run with a sane lease sends them all.
    const again = await run({ connections: 1 });
    expect(again.result).toMatchObject({ sent: 4, messages: 4 });
  });

  it("keeps to mail.ratePerSecond", async () => {
    await enqueue(many(3)); // 6 immediate alerts
    const t0 = performance.now();
    const { result } = await run({ connections: 4, ratePerSecond: 20 });
    expect(result.messages).toBe(6);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(5 * 50 - 5); // 6 starts, 50 ms apart
  });

  it("claims in several rounds and reports progress up to every due delivery", async () => {
    await enqueue(many(10)); // 20 immediate alerts to 10 addresses
    const seen: [number, number][] = [];
    const { result, watch } = await run({ connections: 3, claimLimit: 4, onProgress: (done, total) => seen.push([done, total]) });
    expect(result).toMatchObject({ sent: 20, messages: 20 });
    expect(watch.assignWrites).toBe(3); // 4 + 4 + 2 addresses
    expect(seen.at(-1)).toEqual([20, 20]);
    expect(seen.every(([done], i) => i === 0 || done >= seen[i - 1]![0])).toBe(true);
  });

  it("sends Monday's daily and weekly digests once per subscriber and period, resuming after a death, and the next ones only in their next period", async () => {
    const SUNDAY_EVENING = "2024-01-14T20:00:00Z";
    const MONDAY_DIGESTS = "2024-01-15T08:31:00Z";
    const daily = makeTopic("vans", "daily");
    const weekly = makeTopic("police", "weekly");
    const snippet = snippetFor("Facial recognition vans for the police.", "vans");
    const subscribers = Array.from({ length: 24 }, (_, i) => (i % 2 === 0 ? { email: `daily${i}@example.org`, topic: daily } : { email: `weekly${i}@example.org`, topic: weekly }));
    const plan = (releases: number[], at: string) =>
      planDeliveries(
        releases.map((k): AlertCandidate => ({
          release: makeRelease(k),
          revisionHash: `hash-${k}`,
          isRevision: false,
          matches: subscribers.map(({ email, topic }) => ({ subscriber: makeSubscriber(email, [topic]), topic, snippet })),
        })),
        new Date(at),
        DEFAULT_DIGEST_SCHEDULE,
      );
    clock.set(SUNDAY_EVENING);
    await enqueue(plan([1, 2], SUNDAY_EVENING));
    expect((await run({ connections: 4 })).result.messages).toBe(0); // nothing is due before 08:30

    clock.set(MONDAY_DIGESTS);
    let marked = 0;
    const crashAt = (step: FlushStep) => {
      if (step === "after-mark" && ++marked === 9) throw new InjectedCrash("killed between digests");
    };
    await expect(run({ connections: 4, crashAt, claimLimit: 6 })).rejects.toBeInstanceOf(InjectedCrash);
    clock.advance(LEASE_MS);
    await run({ connections: 4 });
    await run({ connections: 4 });
    const byAddress = new Map<string, Set<string>>();
    for (const m of sink.messages) byAddress.set(m.to[0]!, (byAddress.get(m.to[0]!) ?? new Set()).add(m.messageId!));
    expect(byAddress.size).toBe(24);
    for (const ids of byAddress.values()) expect(ids.size).toBe(1); // one digest per subscriber this period
    for (const m of sink.messages) expect(m.parsed.subject).toBe("[Pressroom] 2 new Home Office releases for your topics");
    expect(sink.messages.length - 24).toBeLessThanOrEqual(4); // only messages in flight at the death went twice

    // A release found on Monday morning waits for Tuesday (daily) or next Monday (weekly).
    sink.reset();
    await enqueue(plan([3], MONDAY_DIGESTS));
    expect((await run({ connections: 4 })).result.messages).toBe(0);
    clock.set("2024-01-16T08:31:00Z");
    await run({ connections: 4 });
    expect(sink.messages.map((m) => m.to[0]).sort()).toEqual(subscribers.filter((s) => s.topic === daily).map((s) => s.email).sort());
    clock.set("2024-01-22T08:31:00Z");
    await run({ connections: 4 });
    expect(sink.messages).toHaveLength(24);
  });

  it("sends each subscriber's daily digest once, resuming after a death without re-sending what was accepted", async () => {
    await enqueue(many(30)); // 60 immediate alerts, 30 daily digests of 2 releases each
    await run({ connections: 4 });
    expect(sink.messages).toHaveLength(60);
    sink.reset();

    clock.set(THURSDAY_AFTER_DIGEST);
    let accepted = 0;
    const crashAt = (step: FlushStep) => {
      if (step === "after-mark" && ++accepted === 12) throw new InjectedCrash("killed mid-digest");
    };
    await expect(run({ connections: 4, crashAt, claimLimit: 10 })).rejects.toBeInstanceOf(InjectedCrash);
    const before = new Set(sink.messages.map((m) => m.messageId));
    expect(before.size).toBeGreaterThanOrEqual(12);
    const firstPass = sink.messages.length;

    clock.advance(LEASE_MS);
    await run({ connections: 4 });
    await run({ connections: 4 });
    const digests = sink.messages.filter((m) => m.to[0]!.startsWith("daily"));
    const byAddress = new Map<string, Set<string>>();
    for (const m of digests) byAddress.set(m.to[0]!, (byAddress.get(m.to[0]!) ?? new Set()).add(m.messageId!));
    expect(byAddress.size).toBe(30);
    for (const ids of byAddress.values()) expect(ids.size).toBe(1); // one digest per subscriber per day
    for (const m of digests) expect(m.parsed.subject).toBe("[Pressroom] 2 new Home Office releases for your topics");
    // Resumed: what was acknowledged before the death is not sent again; only messages in flight may be.
    expect(sink.messages.length - 30).toBeLessThanOrEqual(4);
    expect(sink.messages.length).toBeGreaterThanOrEqual(firstPass);
  });
});
