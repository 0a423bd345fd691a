import type { Clock } from "../core/clock.js";
import { describeError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { OutboxAck, OutboxStore } from "../core/ports.js";
import type { Delivery } from "../core/subscription.js";
import { type AckCommitter, createAckCommitter } from "./ack-committer.js";
import { retryDelayMs } from "./backoff.js";
import { composeAlert, type ComposedMessage, type ComposeOptions } from "./compose-alert.js";
import { type DeliveryGroup, groupDeliveries } from "./group-deliveries.js";
import type { MailTransport } from "./mail-transport.js";
import { batchIdFor, messageIdFor } from "./message-id.js";
import { createPacer } from "./pacer.js";
import { classifySendError, MailSendError } from "./send-error.js";

/** Step boundaries of one message, where a crash can be injected in tests. */
export type FlushStep = "before-batch" | "after-batch" | "after-send" | "after-mark";

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
 * durable write before any is sent; each connection then sends, and a message is acknowledged
 * (sent, failed, retry) through a group commit that writes the acks of all connections together.
 * A connection awaits its ack before sending again, so a kill re-sends at most `connections`
 * messages, each under the Message-ID it first went out with. Transient failures (server down,
 * 4xx) retry with exponential backoff; permanent ones (5xx, rejected recipient) are marked failed
 * with the server's answer. An unreachable server stops the flush (the rest waits for the next run).
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
  const crash = (step: FlushStep, ids: string[]) => {
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

  try {
    for (;;) {
      const claimed = await outbox.claimDue(owner, leaseMs, claimLimit, clock.now());
      if (claimed.length === 0) break;
      // No send starts after half the lease: another sender may take the claims once it ends.
      const claimedAt = performance.now();
      const groups = await recordBatches(outbox, groupDeliveries(claimed, clock.now()), deps.compose.listId, crash);
      let unreachable = false;
      let broken = false;
      let next = 0;
      const worker = async (): Promise<void> => {
        while (!unreachable && !broken && !dead && next < groups.length && performance.now() - claimedAt < leaseMs / 2) {
          const group = groups[next++]!;
          await pace();
          if (dead) return;
          let outcome: Outcome;
          try {
            outcome = await sendGroup(deps, group, maxAttempts, acks, crash);
          } catch (error) {
            broken = true; // a state write failed (or the flush died): the other connections stop too
            throw error;
          }
          const n = group.length;
          settled += n;
          if (outcome === "unreachable") {
            if (!unreachable) log.warn("smtp unreachable, deferring the rest of the outbox", { deliveries: n });
            unreachable = true;
            counts.retrying += n;
          } else {
            counts[outcome] += n;
            if (outcome === "sent") counts.messages += 1;
          }
          deps.onProgress?.(Math.min(settled, Math.max(total, settled)), Math.max(total, settled));
        }
      };
      const results = await Promise.allSettled(Array.from({ length: Math.min(connections, groups.length) }, worker));
      if (dead) throw dead;
      const failure = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
      if (failure) throw failure.reason;
      if (unreachable) break;
      // What this round could not start in time goes back (nothing of it is in flight any more).
      if (next < groups.length) await outbox.releaseClaims(owner);
    }
  } catch (error) {
    if (error instanceof Death) throw error.error;
    throw error;
  } finally {
    // Claims not acknowledged go back at once; a (simulated) death leaves them to their lease.
    if (!dead) await outbox.releaseClaims(owner);
  }
  const pending = (await outbox.stats(clock.now())).pending;
  const seconds = (Date.now() - started) / 1000;
  log.info("outbox flushed", { ...counts, pending, connections, ackWrites: acks.writes, perSecond: seconds > 0 ? Math.round(counts.messages / seconds) : 0 });
  return { ...counts, pending };
}

/**
 * Gives every message of a claim not recorded before its batch id and Message-ID, in one durable
 * write, before any is sent. Returns the groups with their members carrying those ids.
 */
async function recordBatches(
  outbox: OutboxStore,
  groups: readonly DeliveryGroup[],
  listId: string,
  crash: (step: FlushStep, ids: string[]) => void,
): Promise<Delivery[][]> {
  const out: Delivery[][] = [];
  const fresh: { ids: string[]; batchId: string; messageId: string }[] = [];
  for (const group of groups) {
    const ids = group.deliveries.map((d) => d.id);
    crash("before-batch", ids);
    if (group.batchId !== undefined) {
      out.push([...group.deliveries]);
      continue;
    }
    const batchId = batchIdFor(ids);
    const messageId = messageIdFor(batchId, listId);
    fresh.push({ ids, batchId, messageId });
    out.push(group.deliveries.map((d) => ({ ...d, batchId, messageId })));
  }
  await outbox.assignBatches(fresh);
  for (const group of out) crash("after-batch", group.map((d) => d.id));
  return out;
}

async function sendGroup(
  deps: FlushDeps,
  deliveries: readonly Delivery[],
  maxAttempts: number,
  acks: AckCommitter,
  crash: (step: FlushStep, ids: string[]) => void,
): Promise<Outcome> {
  const { transport, clock, log } = deps;
  const ids = deliveries.map((d) => d.id);
  const batchId = deliveries[0]?.batchId;
  let message: ComposedMessage | undefined;
  try {
    message = composeAlert(deliveries, deps.compose);
  } catch (error) {
    const why = `cannot compose: ${describeError(error)}`;
    await acks.commit(ids.map((id): OutboxAck => ({ id, status: "failed", error: why, attempts: Math.max(...deliveries.map((d) => d.attempts)) })));
    log.error("delivery failed", { batchId, deliveries: ids.length, error: describeError(error) });
    return "failed";
  }

  let failure: MailSendError | undefined;
  try {
    const result = await transport.send(message);
    if (!result.accepted.includes(message.to) || result.rejected.includes(message.to)) {
      failure = new MailSendError(`smtp: recipient rejected${result.response ? `: ${result.response}` : ""}`, { permanent: true });
    }
  } catch (error) {
    failure = classifySendError(error);
  }
  message = undefined; // the body is not kept past its send
  if (failure === undefined) {
    crash("after-send", ids);
    const sentAt = clock.now().toISOString();
    await acks.commit(ids.map((id): OutboxAck => ({ id, status: "sent", sentAt })));
    crash("after-mark", ids);
    log.debug("alert sent", { batchId, deliveries: ids.length, transport: transport.kind });
    return "sent";
  }

  const attempts = Math.max(...deliveries.map((d) => d.attempts)) + 1;
  if (failure.permanent || attempts >= maxAttempts) {
    const why = failure.permanent ? failure.message : `gave up after ${attempts} attempts: ${failure.message}`;
    await acks.commit(ids.map((id): OutboxAck => ({ id, status: "failed", error: why, attempts })));
    log.error("delivery failed", { batchId, deliveries: ids.length, error: why });
    return "failed";
  }
  const dueAt = new Date(clock.now().getTime() + retryDelayMs(attempts - 1)).toISOString();
  await acks.commit(ids.map((id): OutboxAck => ({ id, status: "retry", dueAt, error: failure.message, attempts })));
  log.warn("delivery will be retried", { batchId, deliveries: ids.length, attempts, dueAt, error: failure.message });
  return failure.unreachable ? "unreachable" : "retrying";
}
