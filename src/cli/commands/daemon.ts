import { describeError, isPressroomError, PressroomError } from "../../core/errors.js";
import { runOnce } from "../../pipeline/run-once.js";
import { startScheduler, validateSchedule } from "../../scheduler/index.js";
import { lockDaemon as lockStateDaemon, type StateTarget } from "../../store/index.js";
import { createCliLogger, openContext, readConfig, stateTargetFor, type GlobalOptions } from "../context.js";
import { startWakeSender, type WakeSender } from "./send-on-wake.js";
import { startServing } from "./serve.js";
import { waitForStopSignal } from "./stop-signal.js";

export interface DaemonOptions extends GlobalOptions {
  /** Run once at start (default true; `--no-initial-run`). */
  readonly initialRun?: boolean;
  /** Start the HTTP server (default true; `--no-serve`). */
  readonly serve?: boolean;
  readonly port?: number;
  readonly host?: string;
  /** How long shutdown waits for the run in flight, in seconds (default 30). */
  readonly shutdownTimeout?: number;
}

async function lockDaemon(target: StateTarget): Promise<{ release(): Promise<void> }> {
  try {
    return await lockStateDaemon(target);
  } catch (error) {
    if (isPressroomError(error, "DAEMON_RUNNING")) {
      throw new PressroomError("DAEMON_RUNNING", `a daemon is already running: ${error.message} Only one daemon may use a state folder.`, { cause: error });
    }
    throw error;
  }
}

/**
 * `pressroom daemon`: runs on the config schedule (never overlapping), serves HTTP, and on SIGTERM or
 * SIGINT stops scheduling, waits for the run in flight, closes the server and releases its locks.
 */
export async function daemonCommand(options: DaemonOptions): Promise<number> {
  const loaded = await readConfig(options);
  validateSchedule(loaded.config.schedule);
  const target = stateTargetFor(options, loaded);
  const lock = await lockDaemon(target);
  const log = createCliLogger();
  let serving: Awaited<ReturnType<typeof startServing>> | undefined;
  let wake: WakeSender | undefined;
  // Shutdown: the run in flight starts no new message and gives its outbox claims back.
  const shutdown = new AbortController();
  // A state no run can use (corrupt, or written by a newer Pressroom) stops the daemon (exit 3):
  // running on would only log the same failure at every tick.
  let unusable: ((error: unknown) => void) | undefined;
  const stateUnusable = new Promise<{ error: unknown }>((resolve) => {
    unusable = (error) => resolve({ error });
  });
  try {
    if (options.serve ?? true) serving = await startServing(loaded, options, log, options);
    // PostgreSQL: alerts another instance queues are sent now, not at this daemon's next run.
    if (target.kind === "postgres") {
      wake = await startWakeSender({ url: target.url, log, open: () => openContext({ ...options, command: "pressroom daemon", log }), signal: shutdown.signal });
    }
    const scheduler = startScheduler({
      schedule: loaded.config.schedule,
      log,
      initialRun: options.initialRun ?? true,
      run: async (reason, wokeAt) => {
        log.info("run started", { reason, ...(wokeAt ? { wokeAt: wokeAt.toISOString() } : {}) });
        try {
          await wake?.runStarted();
          // Shutdown came while this run waited for a woken send: it has not started, so it does not.
          if (shutdown.signal.aborted) {
            log.info("run skipped: shutting down", { reason });
            return;
          }
          const ctx = await openContext({ ...options, command: "pressroom daemon", log });
          try {
            // Digests this run plans are due from its wake-up: the 08:30 run's finds go out at 08:30, not tomorrow.
            await runOnce({ ...ctx.deps, signal: shutdown.signal, ...(wokeAt ? { digestsFrom: wokeAt } : {}) });
          } finally {
            await ctx.close();
          }
        } catch (error) {
          if (isPressroomError(error, "STATE_CORRUPT") || isPressroomError(error, "STATE_SCHEMA")) unusable?.(error);
          throw error;
        } finally {
          wake?.runEnded();
        }
      },
    });
    log.info("daemon started", { pid: process.pid, state: target.kind === "lowdb" ? target.dir : "postgres", ...(serving ? { url: serving.url } : {}) });
    const stop = await Promise.race([
      waitForStopSignal(() => {
        log.warn("second signal: abandoning the run in flight");
        process.exit(130);
      }).then((signal) => ({ signal, error: undefined })),
      stateUnusable.then(({ error }) => ({ signal: undefined, error })),
    ]);
    if (stop.error !== undefined) log.error("state unusable: stopping the daemon", { error: describeError(stop.error) });
    else log.info("shutting down", { signal: stop.signal });
    shutdown.abort();
    // One deadline for everything in flight: the run (which may itself be waiting for a woken send) and the send.
    const waitSeconds = options.shutdownTimeout ?? 30;
    const deadline = Date.now() + waitSeconds * 1000;
    const finished = await scheduler.stop(waitSeconds * 1000);
    if (!finished) log.warn("run abandoned at shutdown", { waitedSeconds: waitSeconds });
    if (wake && !(await wake.close(Math.max(0, deadline - Date.now())))) log.warn("send abandoned at shutdown", { waitedSeconds: waitSeconds });
    wake = undefined;
    await serving?.close().catch((error: unknown) => log.warn("server close failed", { error: describeError(error) }));
    serving = undefined;
    log.info("daemon stopped", {});
    // Whatever still holds the event loop (an abandoned run, a pooled SMTP socket) must not keep us alive.
    setTimeout(() => process.exit(process.exitCode ?? (stop.error !== undefined ? 3 : 0)), 2_000).unref();
    if (stop.error !== undefined) throw stop.error;
    return 0;
  } finally {
    await wake?.close(0).catch(() => {});
    await serving?.close().catch(() => {});
    await lock.release();
  }
}
