import type { Clock } from "../core/clock.js";
import type { OutboxStore } from "../core/ports.js";
import type { Delivery } from "../core/subscription.js";
import { type DeliveryGroup, groupDeliveries } from "./group-deliveries.js";
import { batchIdFor, messageIdFor } from "./message-id.js";

/** Step boundaries of one message, where a crash can be injected in tests. */
export type FlushStep = "before-batch" | "after-batch" | "after-send" | "after-mark";

export type CrashHook = (step: FlushStep, deliveryIds: string[]) => void;

/** One message of a claim: its deliveries and its batch id, recorded before it is handed out. */
export interface ClaimedMessage {
  readonly deliveries: readonly Delivery[];
  readonly batchId: string;
}

/** One claim: its messages, taken in order. */
interface Round {
  readonly messages: ClaimedMessage[];
  next: number;
  /** performance.now() when the claim was made: no message of it starts after half the lease. */
  readonly claimedAt: number;
}

export interface ClaimRounds {
  /**
   * The next message to send, or undefined when the outbox has nothing more due, or `stop()` was
   * called, or the round's half lease has passed (`cut` then says so). Claims the next round while
   * the current one still has a quarter of its messages to go, so connections never wait for a
   * claim between rounds.
   */
  take(): Promise<ClaimedMessage | undefined>;
  /** No message is handed out any more. */
  stop(): void;
  /** A round was cut at half its lease: its rest (and any round claimed ahead) must be given back. */
  readonly cut: boolean;
  /** Waits for a claim in flight (so giving claims back catches it), then starts afresh after a cut. */
  settle(): Promise<void>;
}

/**
 * Claims due deliveries round after round for one sender. Each round's new messages get their
 * batch id and Message-ID recorded in one durable write before any is handed out (see
 * `recordBatches`).
 */
export function createClaimRounds(options: {
  readonly outbox: OutboxStore;
  readonly owner: string;
  readonly leaseMs: number;
  readonly claimLimit: number;
  readonly clock: Clock;
  readonly listId: string;
  readonly crash: CrashHook;
  /** Messages sent at once: a round is claimed ahead when at most max(4 × this, a quarter) are left. */
  readonly connections: number;
  /** Called when a claim found something due, before its batches are recorded (the sender may get ready meanwhile). */
  readonly onClaimed?: () => void;
}): ClaimRounds {
  const { outbox, owner, leaseMs, claimLimit, clock, listId, crash } = options;
  let current: Round | undefined;
  let upcoming: Promise<Round | undefined> | undefined;
  let exhausted = false;
  let stopped = false;
  let cut = false;

  const claim = (): Promise<Round | undefined> => {
    const round = (async (): Promise<Round | undefined> => {
      const claimed = await outbox.claimDue(owner, leaseMs, claimLimit, clock.now());
      if (claimed.length === 0) return undefined;
      options.onClaimed?.();
      const claimedAt = performance.now();
      const messages = await recordBatches(outbox, groupDeliveries(claimed, clock.now()), listId, crash);
      return { messages, next: 0, claimedAt };
    })();
    round.catch(() => {}); // whoever takes next sees the failure; nobody may be left to
    return round;
  };

  return {
    async take() {
      for (;;) {
        if (stopped) return undefined;
        const round = current;
        if (round && round.next < round.messages.length) {
          if (performance.now() - round.claimedAt >= leaseMs / 2) {
            // Another sender may take these claims once the lease ends: start none of them.
            cut = true;
            stopped = true;
            return undefined;
          }
          const message = round.messages[round.next++]!;
          const left = round.messages.length - round.next;
          if (!upcoming && !exhausted && left <= Math.max(4 * options.connections, round.messages.length / 4)) upcoming = claim();
          return message;
        }
        if (exhausted) return undefined;
        upcoming ??= claim();
        const waiting = upcoming;
        const next = await waiting;
        if (upcoming === waiting) {
          upcoming = undefined;
          current = next;
          if (!next) exhausted = true;
        }
      }
    },
    stop() {
      stopped = true;
    },
    get cut() {
      return cut;
    },
    async settle() {
      const waiting = upcoming;
      upcoming = undefined;
      await waiting?.catch(() => {});
      if (cut) {
        current = undefined;
        cut = false;
        stopped = false;
        exhausted = false;
      }
    },
  };
}

/**
 * Gives every message of a claim not recorded before its batch id and Message-ID, in one durable
 * write, before any is sent. The deliveries are not copied with those ids: composing derives the
 * same ones from the members (see `batchIdFor`, `messageIdFor`).
 */
async function recordBatches(outbox: OutboxStore, groups: readonly DeliveryGroup[], listId: string, crash: CrashHook): Promise<ClaimedMessage[]> {
  const out: ClaimedMessage[] = [];
  const fresh: { ids: string[]; batchId: string; messageId: string }[] = [];
  for (const group of groups) {
    const ids = group.deliveries.map((d) => d.id);
    crash("before-batch", ids);
    if (group.batchId !== undefined) {
      out.push({ deliveries: group.deliveries, batchId: group.batchId });
      continue;
    }
    const batchId = batchIdFor(ids);
    fresh.push({ ids, batchId, messageId: messageIdFor(batchId, listId) });
    out.push({ deliveries: group.deliveries, batchId });
  }
  await outbox.assignBatches(fresh);
  for (const message of out) crash("after-batch", message.deliveries.map((d) => d.id));
  return out;
}
