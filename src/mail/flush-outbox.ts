import type { Clock } from "../core/clock.js";
import { describeError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { OutboxAck, OutboxStore } from "../core/ports.js";
import type { Delivery } from "../core/subscription.js";
import { retryDelayMs } from "./backoff.js";
import { composeAlert, type ComposedMessage, type ComposeOptions } from "./compose-alert.js";
import { groupDeliveries } from "./group-deliveries.js";
import type { MailTransport } from "./mail-transport.js";
import { batchIdFor, messageIdFor } from "./message-id.js";
import { classifySendError, MailSendError } from "./send-error.js";

/** Step boundaries of one message, where a crash can be injected in tests. */
export type FlushStep = "before-batch" | "after-batch" | "after-send" | "after-mark";

export interface FlushDeps {
  readonly outbox: OutboxStore;
  /** This sender's claim owner id (unique per process). */
  readonly owner: string;
  /** How long a claim holds its deliveries before another sender may take them (default 5 min). */
  readonly leaseMs?: number;
  /** Addresses claimed at a time (default 20). */
  readonly claimLimit?: number;
  readonly transport: MailTransport;
  readonly clock: Clock;
  readonly log: Logger;
  readonly compose: ComposeOptions;
  /** Transient failures before a delivery is given up as failed (default 12, about a day of retries). */
  readonly maxAttempts?: number;
  /** Test hook called at each step boundary; throwing simulates a crash there. */
  readonly crashAt?: (step: FlushStep, deliveryIds: string[]) => void;
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

/**
 * Sends what is due in the outbox, at-least-once with a stable Message-ID: a batch id and Message-ID
 * are recorded durably before the send, the deliveries are marked sent only after the server accepted
 * the message. A crash between the two re-sends the same message with the same Message-ID, which
 * receivers use to drop the duplicate; no alert is lost and none goes out under two Message-IDs.
 * Transient failures (server down, 4xx) retry with exponential backoff; permanent ones (5xx, rejected
 * recipient) are marked failed with the server's answer.
 */
export async function flushOutbox(deps: FlushDeps): Promise<FlushResult> {
  const { outbox, clock, log, owner } = deps;
  const maxAttempts = deps.maxAttempts ?? 12;
  const leaseMs = deps.leaseMs ?? 5 * 60_000;
  const crash = deps.crashAt ?? (() => {});
  const counts = { sent: 0, failed: 0, retrying: 0, messages: 0 };

  try {
    claiming: for (;;) {
      const claimed = await outbox.claimDue(owner, leaseMs, deps.claimLimit ?? 20, clock.now());
      if (claimed.length === 0) break;
      for (const group of groupDeliveries(claimed, clock.now())) {
        const ids = group.deliveries.map((d) => d.id);
        crash("before-batch", ids);
        let deliveries = group.deliveries;
        if (group.batchId === undefined) {
          const batchId = batchIdFor(ids);
          const messageId = messageIdFor(batchId, deps.compose.listId);
          await outbox.assignBatch(ids, batchId, messageId);
          deliveries = deliveries.map((d) => ({ ...d, batchId, messageId }));
        }
        crash("after-batch", ids);

        const outcome = await sendGroup(deps, deliveries, maxAttempts);
        if (outcome === "unreachable") {
          counts.retrying += ids.length;
          log.warn("smtp unreachable, deferring the rest of the outbox", { deliveries: ids.length });
          break claiming;
        }
        counts[outcome] += ids.length;
        if (outcome === "sent") counts.messages += 1;
      }
    }
  } finally {
    // Whatever was claimed and not sent goes back to the queue at once (a crash leaves it to the lease).
    await outbox.releaseClaims(owner);
  }
  const pending = (await outbox.stats(clock.now())).pending;
  log.info("outbox flushed", { ...counts, pending });
  return { ...counts, pending };
}

async function sendGroup(deps: FlushDeps, deliveries: readonly Delivery[], maxAttempts: number): Promise<Outcome> {
  const { outbox, transport, clock, log } = deps;
  const ids = deliveries.map((d) => d.id);
  const batchId = deliveries[0]?.batchId;
  let message: ComposedMessage;
  try {
    message = composeAlert(deliveries, deps.compose);
  } catch (error) {
    await markFailed(outbox, ids, `cannot compose: ${describeError(error)}`, Math.max(...deliveries.map((d) => d.attempts)));
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
  if (failure === undefined) {
    deps.crashAt?.("after-send", ids);
    const sentAt = clock.now().toISOString();
    await outbox.ack(ids.map((id): OutboxAck => ({ id, status: "sent", sentAt })));
    deps.crashAt?.("after-mark", ids);
    log.info("alert sent", { batchId, deliveries: ids.length, transport: transport.kind });
    return "sent";
  }

  const attempts = Math.max(...deliveries.map((d) => d.attempts)) + 1;
  if (failure.permanent || attempts >= maxAttempts) {
    const why = failure.permanent ? failure.message : `gave up after ${attempts} attempts: ${failure.message}`;
    await markFailed(outbox, ids, why, attempts);
    log.error("delivery failed", { batchId, deliveries: ids.length, error: why });
    return "failed";
  }
  const dueAt = new Date(clock.now().getTime() + retryDelayMs(attempts - 1)).toISOString();
  await outbox.ack(ids.map((id): OutboxAck => ({ id, status: "retry", dueAt, error: failure.message, attempts })));
  log.warn("delivery will be retried", { batchId, deliveries: ids.length, attempts, dueAt, error: failure.message });
  return failure.unreachable ? "unreachable" : "retrying";
}

async function markFailed(outbox: OutboxStore, ids: readonly string[], lastError: string, attempts: number): Promise<void> {
  await outbox.ack(ids.map((id): OutboxAck => ({ id, status: "failed", error: lastError, attempts })));
}
