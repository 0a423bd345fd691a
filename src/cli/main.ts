#!/usr/bin/env node
import { Command, CommanderError, InvalidArgumentError } from "commander";
import { describeError, PressroomError } from "../core/errors.js";
// Commands are loaded when run: a command pays only for the modules it uses (the whole program —
// PostgreSQL, mail, HTML parsing, the server — took about a second to load for `--version`).
const commands = {
  run: () => import("./commands/run.js"),
  status: () => import("./commands/status.js"),
  search: () => import("./commands/search.js"),
  subscriptions: () => import("./commands/subscriptions.js"),
  daemon: () => import("./commands/daemon.js"),
  serve: () => import("./commands/serve.js"),
  copyState: () => import("./commands/copy-state.js"),
};
import { limitHeapGrowth } from "./heap-growth.js";
import { readVersion } from "./version.js";

/** Exit codes: 0 ok, 1 a source or check failed, 2 bad usage or config, 3 state problem, 4 other. */
function exitCodeFor(error: unknown): number {
  if (error instanceof PressroomError) {
    if (["USAGE", "CONFIG_INVALID", "CONFIG_NOT_FOUND", "QUERY_INVALID", "SUBSCRIPTION_INVALID", "SCHEDULE_INVALID"].includes(error.code)) return 2;
    if (error.code.startsWith("STATE_") || error.code === "DAEMON_RUNNING") return 3;
    return 1;
  }
  return 4;
}

const positiveInt = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("expected a positive integer");
  return n;
};

const portNumber = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError("expected a port from 0 to 65535");
  return n;
};

export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command("pressroom")
    .description("Watches UK Home Office press releases: Atom feeds and email alerts on topics")
    .version(readVersion(), "-V, --version", "print the version and exit")
    .option("-c, --config <file>", "config file", undefined)
    .option("-s, --state <dir>", "state folder", "state")
    .showHelpAfterError()
    .exitOverride();
  const globals = () => program.opts<{ config?: string; state: string }>();
  const act = (work: () => Promise<number>) => async () => setExit(await work());

  program.command("run").description("one pass over the configured sources")
    .option("--alert-backlog", "also alert about a source's backlog on its first ingest")
    .action(async (opts: { alertBacklog?: boolean }) => act(async () => (await commands.run()).runCommand({ ...globals(), ...opts }))());
  program.command("import").description("ingest release dump files").argument("<file...>", "dump files")
    .option("--alert-backlog", "alert subscribers about these releases even on a first ingest")
    .action(async (files: string[], opts: { alertBacklog?: boolean }) => act(async () => (await commands.run()).runCommand({ ...globals(), ...opts, files }))());
  program.command("status").description("source health, anomalies, last run and outbox")
    .action(async () => act(async () => (await commands.status()).statusCommand(globals()))());
  program.command("search").description("run a query over the stored releases").argument("<query>")
    .option("-n, --limit <n>", "matches to show", positiveInt, 20)
    .option("--sort <order>", "newest (default) or relevance", "newest")
    .option("--json", "print the matches as JSON")
    .action(async (query: string, opts: { limit: number; sort: string; json?: boolean }) => act(async () => (await commands.search()).searchCommand({ ...globals(), query, limit: opts.limit, sort: opts.sort, ...(opts.json ? { json: true } : {}) }))());
  program.command("subscribe").description("subscribe an address to a topic").argument("<email>").argument("<query>")
    .option("-f, --frequency <frequency>", "immediate, daily or weekly (digests go out at schedule.dailyDigest / weeklyDigest, by default 08:30 London, weekly on Mondays)", "immediate")
    .option("--revisions", "alert again when a matched release is revised")
    .action(async (email: string, query: string, opts: { frequency: string; revisions?: boolean }) => act(async () => (await commands.subscriptions()).subscribeCommand({ ...globals(), email, query, ...opts }))());
  program.command("unsubscribe").description("remove one topic, or every topic of an address").argument("<email>").argument("[query]")
    .action(async (email: string, query: string | undefined) => act(async () => (await commands.subscriptions()).unsubscribeCommand({ ...globals(), email, ...(query === undefined ? {} : { query }) }))());
  program.command("subscriptions").description("list subscriptions")
    .action(async () => act(async () => (await commands.subscriptions()).listSubscriptionsCommand(globals()))());
  program.command("daemon").description("run on the config schedule and serve feeds until SIGTERM/SIGINT")
    .option("--no-initial-run", "wait for the first scheduled time instead of running at start")
    .option("--no-serve", "do not start the HTTP server")
    .option("-p, --port <port>", "HTTP port (default: config server.port; 0 = any free port)", portNumber)
    .option("--host <host>", "HTTP host (default: config server.host)")
    .option("--shutdown-timeout <seconds>", "how long shutdown waits for the run in flight", positiveInt, 30)
    .action(async (opts: { initialRun: boolean; serve: boolean; port?: number; host?: string; shutdownTimeout: number }) => act(async () => (await commands.daemon()).daemonCommand({ ...globals(), ...opts }))());
  program.command("serve").description("serve feeds, subscribe pages, /healthz and /metrics")
    .option("-p, --port <port>", "HTTP port (default: config server.port; 0 = any free port)", portNumber)
    .option("--host <host>", "HTTP host (default: config server.host)")
    .action(async (opts: { port?: number; host?: string }) => act(async () => (await commands.serve()).serveCommand({ ...globals(), ...opts }))());
  program.command("copy-state").description("copy the whole state between a state folder and a PostgreSQL database (either way) into an empty target")
    .requiredOption("--from <state>", "state folder or postgres:// URL to copy from")
    .requiredOption("--to <state>", "empty state folder or postgres:// URL to copy to")
    .action(async (opts: { from: string; to: string }) => act(async () => (await commands.copyState()).copyStateCommand(opts))());
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  let code = 0;
  const program = buildProgram((c) => { code = c; });
  try {
    await program.parseAsync([...argv], { from: "user" });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    process.stderr.write(`pressroom: ${describeError(error)}\n`);
    return exitCodeFor(error);
  }
}

limitHeapGrowth();
main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (error: unknown) => {
  process.stderr.write(`pressroom: ${describeError(error)}\n`);
  process.exitCode = 4;
});
