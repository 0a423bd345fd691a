import type { Clock } from "../core/clock.js";
import { describeError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { OutboxAck, OutboxStore } from "../core/ports.js";
import type { Delivery } from "../core/subscription.js";
import { type AckCommitter, createAckCommitter } from "./ack-committer.js";
import { retryDelayMs } from "./backoff.js";
import { type CrashHook, createClaimRounds, type FlushStep } from "./claim-rounds.js";
import { composeAlert, type ComposedMessage, type ComposeOptions } from "./compose-alert.js";
import type { MailTransport } from "./mail-transport.js";
import { createPacer } from "./pacer.js";
import { classifySendError, MailSendError } from "./send-error.js";

export type { FlushStep } from "./claim-rounds.js";

export interface FlushDeps {
  readonly outbox: OutboxStore;
  /** This sender's claim owner id (unique per process). */
  readonly owner: string;
  /** How long a claim holds its deliveries before another sender may take them (default 5 min). */
  readonly leaseMs?: number;
  /** Addresses claimed at a time (default 500 per connection). */
  readonly claimLimit?: number;
  /** Messages sent at once, each on its own SMTP connection (default 4; the transport's pool should match). */
  readonly connections?: number;
  /** Cap on messages started per second over all connections (default none). */
  readonly ratePerSecond?: number;
  readonly transport: MailTransport;
  readonly clock: Clock;
  readonly log: Logger;
  readonly compose: ComposeOptions;
  /** Transient failures before a delivery is given up as failed (default 12, about a day of retries). */
  readonly maxAttempts?: number;
  /**
   * Test hook called at each step boundary; throwing simulates the process dying there: nothing
   * more is written (claims are left to their lease), messages already on the wire may still arrive.
   */
  readonly crashAt?: (step: FlushStep, deliveryIds: string[]) => void;
  /** Deliveries settled (sent, failed or deferred) so far, out of those due when the flush started. */
  readonly onProgress?: (done: number, total: number) => void;
  /**
   * Aborted at shutdown: no new message starts (those in flight finish and are acknowledged), and
   * the claims not sent are given back at once rather than held until their lease ends.
   */
  readonly signal?: AbortSignal;
}

/** Counts are deliveries (alerts), not messages; `pending` is what is still pending after the run. */
export interface FlushResult {
  readonly sent: number;
  readonly failed: number;
  readonly retrying: number;
  readonly pending: number;
  /** Messages accepted by the transport in this run. */
  readonly messages: number;
}

type Outcome = "sent" | "failed" | "retrying" | "unreachable";

/** Thrown by `crashAt`: marks the flush as dead so nothing else is written. */
class Death {
  constructor(readonly error: unknown) {}
}

/**
 * Sends what is due in the outbox over `connections` concurrent sends, at-least-once with a stable
 * Message-ID. Per claim: the batch id and Message-ID of every new message are recorded in one
 * durable write before any is sent (the next claim is made while a claim's last messages go out).
 * Each connection then sends message after message, and a message's outcome (sent, failed, retry)
 * is acknowledged through a group commit that writes the acks of all connections together. A
 * connection does not wait for that write before starting its next message: it composes it and
 * sends everything but the end of its data meanwhile, and ends the data (the moment the server
 * accepts) only once the previous ack is durable (`release`). So at most one accepted message per
 * connection is ever unrecorded: a kill re-sends at most `connections` messages, each under the
 * Message-ID it first went out with. Transient failures (server down, 4xx) retry with exponential
 * backoff; permanent ones (5xx, rejected recipient) are marked failed with the server's answer. An
 * unreachable server stops the flush (the rest waits for the next run).
 */
export async function flushOutbox(deps: FlushDeps): Promise<FlushResult> {
  const { outbox, clock, log, owner } = deps;
  const maxAttempts = deps.maxAttempts ?? 12;
  const leaseMs = deps.leaseMs ?? 5 * 60_000;
  const connections = Math.max(1, deps.connections ?? 4);
  const claimLimit = deps.claimLimit ?? 500 * connections;
  const pace = createPacer(deps.ratePerSecond);
  const acks = createAckCommitter(outbox);
  const counts = { sent: 0, failed: 0, retrying: 0, messages: 0 };
  let dead: Death | undefined;
  const crash: CrashHook = (step, ids) => {
    if (dead) throw dead;
    try {
      deps.crashAt?.(step, ids);
    } catch (error) {
      dead = new Death(error);
      acks.kill(dead);
      throw dead;
    }
  };
  const total = deps.onProgress ? (await outbox.stats(clock.now())).due : 0;
  let settled = 0;
  const started = Date.now();
  // Once something is due, the transport opens its connections while the claim's batches are recorded.
  const onClaimed = () => deps.transport.warm?.();
  const rounds = createClaimRounds({ outbox, owner, leaseMs, claimLimit, clock, listId: deps.compose.listId, crash, connections, onClaimed });
  let unreachable = false;

  const worker = async (): Promise<void> => {
    /** The previous message's ack, not awaited before this connection starts its next message. */
    let previous: { ack: Promise<void>; ids: string[] } | undefined;
    /** This connection's last ack (earlier ones ended before its message was completed). */
    let lastAck: Promise<void> | undefined;
    /** Resolves once the previous ack is durable (and the flush still alive): this message may be completed. */
    const releaseAfter = (before: typeof previous): Promise<void> | undefined => {
      if (!before) return undefined;
      const release = before.ack.then(() => crash("after-mark", before.ids));
      release.catch(() => {}); // awaited by sendGroup; a failure must not also go unhandled
      return release;
    };
    try {
      for (;;) {
        if (deps.signal?.aborted) break;
        const message = await rounds.take();
        if (!message || dead || deps.signal?.aborted) break;
        await pace();
        if (dead) break;
        const release = releaseAfter(previous);
        previous = undefined;
        const group = message.deliveries;
        const { outcome, ack } = await sendGroup(deps, group, message.batchId, maxAttempts, acks, crash, release);
        ack.catch(() => {}); // awaited below or by the next message's release
        previous = { ack, ids: group.map((d) => d.id) };
        lastAck = ack;
        settled += group.length;
        if (outcome === "unreachable") {
          if (!unreachable) log.warn("smtp unreachable, deferring the rest of the outbox", { deliveries: group.length });
          unreachable = true;
          rounds.stop();
          counts.retrying += group.length;
        } else {
          counts[outcome] += group.length;
          if (outcome === "sent") counts.messages += 1;
        }
        deps.onProgress?.(Math.min(settled, Math.max(total, settled)), Math.max(total, settled));
      }
      await releaseAfter(previous);
    } catch (error) {
      rounds.stop(); // a state write failed (or the flush died): the other connections stop too
      // A message already accepted keeps its ack: it is durable (or has failed) before the flush
      // gives its claims back and its caller closes the state.
      await lastAck?.catch(() => {});
      throw error;
    }
  };

  try {
    for (;;) {
      const settledBefore = settled;
      const results = await Promise.allSettled(Array.from({ length: connections }, worker));
      // Read before settling: settling after a cut starts the rounds afresh (and forgets the cut).
      const cut = rounds.cut;
      await rounds.settle();
      if (dead) throw dead;
      const failure = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
      if (failure) throw failure.reason;
      if (unreachable || !cut || deps.signal?.aborted) break;
      if (settled === settledBefore) {
        // Claiming took half the lease before a message could start: claiming again would do the same.
        log.warn("claim lease too short to send: the rest waits for the next run (raise mail.claimLeaseSeconds)", { leaseMs });
        break;
      }
      // A round cut at half its lease: nothing is in flight (a claim made ahead was awaited by
      // settling); give the rest back and claim afresh, so the run goes on sending.
      await outbox.releaseClaims(owner);
    }
  } catch (error) {
    if (error instanceof Death) throw error.error;
    throw error;
  } finally {
    await rounds.settle();
    // Claims not acknowledged go back at once; a (simulated) death leaves them to their lease.
    if (!dead) await outbox.releaseClaims(owner);
  }
  const pending = (await outbox.stats(clock.now())).pending;
  const seconds = (Date.now() - started) / 1000;
  log.info("outbox flushed", { ...counts, pending, connections, ackWrites: acks.writes, perSecond: seconds > 0 ? Math.round(counts.messages / seconds) : 0 });
  return { ...counts, pending };
}

/**
 * Composes and sends one message, completing it only once `release` resolves, and queues its ack.
 * Returns the outcome and the ack's durable write (not awaited). Rejects when `release` does (the
 * previous ack failed, or the flush died): the message is then abandoned, never completed.
 */
async function sendGroup(
  deps: FlushDeps,
  deliveries: readonly Delivery[],
  batchId: string,
  maxAttempts: number,
  acks: AckCommitter,
  crash: CrashHook,
  release: Promise<void> | undefined,
): Promise<{ outcome: Outcome; ack: Promise<void> }> {
  const { transport, clock, log } = deps;
  const ids = deliveries.map((d) => d.id);
  let message: ComposedMessage | undefined;
  try {
    message = composeAlert(deliveries, deps.compose);
  } catch (error) {
    await release;
    const why = `cannot compose: ${describeError(error)}`;
    log.error("delivery failed", { batchId, deliveries: ids.length, error: describeError(error) });
    return { outcome: "failed", ack: acks.commit(ids.map((id): OutboxAck => ({ id, status: "failed", error: why, attempts: Math.max(...deliveries.map((d) => d.attempts)) }))) };
  }

  let failure: MailSendError | undefined;
  try {
    const result = await transport.send(message, release ? { release } : {});
    if (!result.accepted.includes(message.to) || result.rejected.includes(message.to)) {
      failure = new MailSendError(`smtp: recipient rejected${result.response ? `: ${result.response}` : ""}`, { permanent: true });
    }
  } catch (error) {
    failure = classifySendError(error);
  }
  message = undefined; // the body is not kept past its send
  // The previous ack is durable before this one is queued (and a death or failed write surfaces here).
  await release;
  if (failure === undefined) {
    crash("after-send", ids);
    const sentAt = clock.now().toISOString();
    log.debug("alert sent", { batchId, deliveries: ids.length, transport: transport.kind });
    return { outcome: "sent", ack: acks.commit(ids.map((id): OutboxAck => ({ id, status: "sent", sentAt }))) };
  }

  const attempts = Math.max(...deliveries.map((d) => d.attempts)) + 1;
  if (failure.permanent || attempts >= maxAttempts) {
    const why = failure.permanent ? failure.message : `gave up after ${attempts} attempts: ${failure.message}`;
    log.error("delivery failed", { batchId, deliveries: ids.length, error: why });
    return { outcome: "failed", ack: acks.commit(ids.map((id): OutboxAck => ({ id, status: "failed", error: why, attempts }))) };
  }
  const dueAt = new Date(clock.now().getTime() + retryDelayMs(attempts - 1)).toISOString();
  log.warn("delivery will be retried", { batchId, deliveries: ids.length, attempts, dueAt, error: failure.message });
  return { outcome: failure.unreachable ? "unreachable" : "retrying", ack: acks.commit(ids.map((id): OutboxAck => ({ id, status: "retry", dueAt, error: failure.message, attempts }))) };
}
