import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "../server/server-fixture.js";

export const MAIN = join(ROOT, "dist/cli/main.js");

export interface LogLine {
  readonly msg?: string;
  readonly level?: number;
  readonly [field: string]: unknown;
}

export interface DaemonProcess {
  readonly child: ChildProcess;
  /** Every JSON log line so far (stderr), in order. */
  readonly lines: LogLine[];
  /** Raw stderr and stdout text. */
  output(): string;
  /** Waits for a log line (index > `after`) matching `check`; returns its index. */
  waitFor(check: (line: LogLine) => boolean, what: string, after?: number, ms?: number): Promise<number>;
  readonly exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `pressroom daemon` (global options before the command, as commander wants). */
export function spawnDaemon(configFile: string, stateDir: string, extra: readonly string[] = [], env: Readonly<Record<string, string>> = {}): DaemonProcess {
  const argv = [MAIN, "--config", configFile, "--state", stateDir, "daemon", ...extra];
  const child = spawn(process.execPath, argv, { cwd: ROOT, env: { ...process.env, PRESSROOM_LOG_LEVEL: "info", PRESSROOM_SMTP_URL: "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const lines: LogLine[] = [];
  let text = "";
  let pending = "";
  child.stderr!.setEncoding("utf8");
  child.stdout!.setEncoding("utf8");
  child.stdout!.on("data", (chunk: string) => { text += chunk; });
  child.stderr!.on("data", (chunk: string) => {
    text += chunk;
    pending += chunk;
    const parts = pending.split("\n");
    pending = parts.pop() ?? "";
    for (const part of parts) {
      if (!part.trim()) continue;
      try {
        lines.push(JSON.parse(part) as LogLine);
      } catch {
        lines.push({ msg: undefined, raw: part });
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const waitFor = async (check: (line: LogLine) => boolean, what: string, after = -1, ms = 20_000) => {
    const end = Date.now() + ms;
    for (;;) {
      const i = lines.findIndex((line, index) => index > after && check(line));
      if (i >= 0) return i;
      if (child.exitCode !== null || Date.now() > end) throw new Error(`daemon: no log line for ${what}; output:\n${text}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  return {
    child, lines, waitFor, exited,
    output: () => text,
    stop: async (signal = "SIGTERM") => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Polls `check` until it holds; fails naming `what` after `ms`. */
export async function waitUntil(check: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
