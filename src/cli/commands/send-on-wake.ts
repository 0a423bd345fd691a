import { describeError } from "../../core/errors.js";
import { settlesWithin } from "../../core/settles-within.js";
import type { Logger } from "../../core/logger.js";
import { flushOutbox } from "../../mail/index.js";
import { listenPostgresChanges } from "../../store/postgres/index.js";
import type { CliContext } from "../context.js";

export interface WakeSender {
  /** A run of this daemon ended: send what was queued meanwhile, if a wake came during it. */
  runEnded(): void;
  /**
   * The daemon's own run starts: wakes wait for its end (its flush sends what is due). Resolves once
   * a woken send in flight has ended, so the two never send at once.
   */
  runStarted(): Promise<void>;
  /** Stops listening and waits (up to `timeoutMs`) for a send in flight. True if it finished in time. */
  close(timeoutMs: number): Promise<boolean>;
}

/**
 * PostgreSQL: another instance queued alerts (NOTIFY on the work channel) and this daemon helps send
 * them now instead of at its next scheduled run. Sends never overlap each other or this daemon's own
 * run; wakes arriving meanwhile are remembered and answered by one more send when it ends. Each
 * send claims through the shared outbox like any sender, so several daemons share the work.
 */
export async function startWakeSender(options: {
  readonly url: string;
  readonly log: Logger;
  readonly open: () => Promise<CliContext>;
  /** Shutdown: a send in flight starts no new message and gives its claims back, as the daemon's run does. */
  readonly signal?: AbortSignal;
}): Promise<WakeSender> {
  const { log } = options;
  let woken = false;
  let running = false;
  let sending: Promise<void> | undefined;
  let closed = false;

  const send = async (): Promise<void> => {
    const ctx = await options.open();
    try {
      const { deps } = ctx;
      const mail = deps.config.mail;
      const flushed = await flushOutbox({
        outbox: deps.store.outbox,
        owner: deps.owner,
        leaseMs: mail.claimLeaseSeconds * 1000,
        connections: mail.connections,
        ...(mail.ratePerSecond ? { ratePerSecond: mail.ratePerSecond } : {}),
        transport: ctx.transport,
        clock: deps.clock,
        log,
        compose: deps.compose,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      log.info("woken send finished", { sent: flushed.sent, failed: flushed.failed, retrying: flushed.retrying, pending: flushed.pending });
    } finally {
      await ctx.close();
    }
  };

  const maybeSend = (): void => {
    // Once shutdown began no send starts (a run ending while the daemon waits for it would start one).
    if (closed || options.signal?.aborted || running || sending || !woken) return;
    woken = false;
    sending = send()
      .catch((error: unknown) => log.error("woken send failed", { error: describeError(error) }))
      .finally(() => {
        sending = undefined;
        maybeSend();
      });
  };

  const listener = await listenPostgresChanges(options.url, {
    onWork: () => {
      woken = true;
      maybeSend();
    },
  }, log);
  log.info("listening for queued alerts", {});

  return {
    async runStarted() {
      running = true;
      await sending;
    },
    runEnded() {
      running = false;
      maybeSend();
    },
    async close(timeoutMs) {
      closed = true;
      await listener.close();
      const inFlight = sending;
      if (!inFlight) return true;
      return settlesWithin(inFlight, timeoutMs);
    },
  };
}
