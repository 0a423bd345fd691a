import type { OutboxAck, OutboxStore } from "../core/ports.js";

export interface AckCommitter {
  /** Resolves once `acks` are durable: written together with every ack queued meanwhile, in one `outbox.ack`. */
  commit(acks: readonly OutboxAck[]): Promise<void>;
  /** Stops writing: queued and later acks are dropped (a simulated death), their promises rejected with `reason`. */
  kill(reason: unknown): void;
  /** Durable `outbox.ack` writes so far. */
  readonly writes: number;
}

interface Waiter {
  readonly acks: readonly OutboxAck[];
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Group commit of outbox acknowledgements: while one write is in flight, acks of other senders
 * queue up and go out together in the next one. A sender awaits its ack before sending again, so
 * at most one accepted-but-unrecorded message per connection can exist: that bounds the duplicates
 * a kill can cause to the number of connections.
 */
export function createAckCommitter(outbox: OutboxStore): AckCommitter {
  let queue: Waiter[] = [];
  let writing = false;
  let dead: { reason: unknown } | undefined;
  let writes = 0;

  const drain = async (): Promise<void> => {
    writing = true;
    try {
      while (queue.length > 0) {
        const batch = queue;
        queue = [];
        try {
          if (dead) throw dead.reason;
          await outbox.ack(batch.flatMap((w) => w.acks));
          writes++;
          for (const w of batch) w.resolve();
        } catch (error) {
          for (const w of batch) w.reject(error);
        }
      }
    } finally {
      writing = false;
    }
  };

  return {
    commit(acks) {
      if (dead) return Promise.reject(dead.reason);
      if (acks.length === 0) return Promise.resolve();
      const done = new Promise<void>((resolve, reject) => queue.push({ acks, resolve, reject }));
      if (!writing) void drain();
      return done;
    },
    kill(reason) {
      dead ??= { reason };
      const dropped = queue;
      queue = [];
      for (const w of dropped) w.reject(reason);
    },
    get writes() {
      return writes;
    },
  };
}
