/**
 * README.md's CLI table and exit-code table, checked against the built CLI (dist/cli/main.js).
 *
 * Every row of the CLI table lists the exit codes the command can give. For each row and each code
 * listed, at least one real scenario runs the command (in a temp state folder, from the repo root so
 * the bundled config/pressroom.yaml and samples/home-office-2023-10.txt are used) and must exit with
 * that code; a command may not have a scenario for a code its row does not list. The success case
 * runs the command exactly as the table writes it (placeholders filled in, the example port replaced
 * by 0). `daemon` and `serve` run until stopped: they are started for real, awaited until ready (the
 * "daemon started" log line, the "serving" line) and stopped with SIGTERM.
 */
import { spawn } from "node:child_process";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SAMPLE } from "../helpers/pipeline-harness.js";
import { CLI, REPO, runCli } from "../helpers/run-cli.js";
import { makeTempDir } from "../helpers/temp-dir.js";

interface CommandRow {
  readonly template: string;
  readonly name: string;
  readonly codes: readonly number[];
}

function tableAfter(markdown: string, header: string): string[][] {
  const lines = markdown.split("\n");
  const at = lines.findIndex((l) => l.trim() === header);
  if (at < 0) throw new Error(`README has no table headed ${header}`);
  const rows: string[][] = [];
  for (const line of lines.slice(at + 2)) {
    if (!line.startsWith("|")) break;
    rows.push(line.slice(1, -1).split(" | ").map((cell) => cell.trim()));
  }
  return rows;
}

function parseReadme(markdown: string): { commands: CommandRow[]; exitCodes: Map<number, string> } {
  const commands = tableAfter(markdown, "| command | what it does | exit codes |").map(([command, , codes]) => {
    const template = (command ?? "").replace(/^`|`$/g, "");
    const words = template.split(" ");
    expect(words[0]).toBe("pressroom");
    return { template, name: words[1] ?? "", codes: (codes ?? "").split(",").map((c) => Number(c.trim())) };
  });
  const exitCodes = new Map(tableAfter(markdown, "| exit code | meaning |").map(([code, meaning]) => [Number(code), meaning ?? ""]));
  return { commands, exitCodes };
}

/** The table's command line as argv: placeholders filled, optional parts included, the example port replaced by 0. */
function argvOf(template: string): string[] {
  const fill: Record<string, string> = { "<email>": "desk@example.org", "<query>": "asylum", "<file>...": SAMPLE, "8080": "0", "<from>": "from-state", "<to>": "to-state" };
  return template.replace(/[[\]"]/g, "").split(" ").slice(1).map((word) => fill[word] ?? word);
}

interface Outcome {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Starts a long-running command, waits until `ready` shows in its output, stops it with SIGTERM. */
function runUntilReady(args: readonly string[], ready: RegExp, state: string): Promise<Outcome & { wasReady: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args, "--state", state], {
      cwd: REPO,
      env: { ...process.env, PRESSROOM_SMTP_URL: undefined, PRESSROOM_LOG_LEVEL: "info" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let wasReady = false;
    const check = () => {
      if (!wasReady && ready.test(stdout + stderr)) {
        wasReady = true;
        child.kill("SIGTERM");
      }
    };
    child.stdout.on("data", (d: Buffer) => { stdout += d.toString(); check(); });
    child.stderr.on("data", (d: Buffer) => { stderr += d.toString(); check(); });
    const guard = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr, wasReady });
    });
  });
}

interface Scenario {
  readonly what: string;
  run(state: string, dir: string, row: CommandRow): Promise<Outcome>;
}

const cli = (args: readonly string[], state: string) => runCli([...args, "--state", state]);
const asWritten: Scenario = { what: "as the table writes it", run: (state, _dir, row) => cli(argvOf(row.template), state) };
const unknownOption: Scenario = { what: "with an unknown option", run: (state, _dir, row) => cli([...argvOf(row.template), "--no-such-option"], state) };

async function importSample(state: string): Promise<void> {
  const result = await cli(["import", SAMPLE], state);
  if (result.code !== 0) throw new Error(`setup import failed: ${result.stderr}`);
}

/** A state folder whose every top-level JSON file is corrupt. */
async function corruptState(state: string): Promise<void> {
  await importSample(state);
  const files = (await readdir(state)).filter((f) => f.endsWith(".json"));
  expect(files.length).toBeGreaterThan(0);
  for (const file of files) await writeFile(join(state, file), "{ not json");
}

const withCorruptState = (args: readonly string[]): Scenario => ({
  what: "on a corrupt state folder",
  run: async (state) => {
    await corruptState(state);
    return cli(args, state);
  },
});

async function badConfig(dir: string): Promise<string> {
  const file = join(dir, "bad.yaml");
  await writeFile(file, "sources:\n  - { id: live, type: feed, url: 'ftp://example.org/feed.xml' }\n");
  return file;
}

async function emptyDump(dir: string): Promise<string> {
  const file = join(dir, "empty.txt");
  await writeFile(file, "no releases in here\n");
  return file;
}

/** Scenarios per command and exit code. Keys must be exactly the codes the README lists for the command. */
const SCENARIOS: Readonly<Record<string, Readonly<Record<number, readonly Scenario[]>>>> = {
  run: {
    0: [asWritten],
    1: [{ what: "with a source that fails", run: async (state, dir) => {
      const config = join(dir, "p.yaml");
      await writeFile(config, `sources:\n  - { id: broken, type: dump, path: ${JSON.stringify(await emptyDump(dir))} }\n  - { id: sample, type: dump, path: ${JSON.stringify(SAMPLE)} }\n`);
      return cli(["run", "--config", config], state);
    } }],
    2: [unknownOption, { what: "with a non-http source URL in the config", run: async (state, dir) => cli(["run", "--config", await badConfig(dir)], state) }],
    3: [withCorruptState(["run"])],
  },
  import: {
    0: [asWritten],
    1: [{ what: "of a file with no release", run: async (state, dir) => cli(["import", await emptyDump(dir)], state) }],
    2: [unknownOption, { what: "with no file", run: (state) => cli(["import"], state) }],
    3: [withCorruptState(["import", SAMPLE])],
  },
  status: {
    0: [{ what: "after an import", run: async (state, _dir, row) => {
      await importSample(state);
      return cli(argvOf(row.template), state);
    } }],
    1: [{ what: "after a failed import", run: async (state, dir) => {
      await cli(["import", await emptyDump(dir)], state);
      return cli(["status"], state);
    } }],
    2: [unknownOption, { what: "with a bad config", run: async (state, dir) => cli(["status", "--config", await badConfig(dir)], state) }],
    3: [withCorruptState(["status"])],
  },
  search: {
    0: [{ what: "after an import", run: async (state, _dir, row) => {
      await importSample(state);
      return cli(argvOf(row.template), state);
    } }],
    2: [unknownOption, { what: "with a malformed query", run: (state) => cli(["search", "(asylum"], state) }],
    3: [withCorruptState(["search", "asylum"])],
  },
  subscribe: {
    0: [asWritten],
    2: [unknownOption, { what: "with a bad address", run: (state) => cli(["subscribe", "not-an-address", "asylum"], state) }],
    3: [withCorruptState(["subscribe", "desk@example.org", "asylum"])],
  },
  unsubscribe: {
    0: [
      { what: "of a subscribed topic", run: async (state, _dir, row) => {
        expect((await cli(["subscribe", "desk@example.org", "asylum"], state)).code).toBe(0);
        return cli(argvOf(row.template), state);
      } },
      { what: "of an address with no subscriptions (nothing to do)", run: (state, _dir, row) => cli(argvOf(row.template), state) },
    ],
    2: [unknownOption, { what: "with a bad address", run: (state) => cli(["unsubscribe", "not-an-address"], state) }],
    3: [withCorruptState(["unsubscribe", "desk@example.org"])],
  },
  subscriptions: {
    0: [asWritten],
    2: [unknownOption],
    3: [withCorruptState(["subscriptions"])],
  },
  daemon: {
    0: [{ what: "started, then stopped with SIGTERM", run: async (state, _dir, row) => {
      const result = await runUntilReady([...argvOf(row.template), "--port", "0"], /"msg":"daemon started"/, state);
      expect(result.wasReady).toBe(true);
      return result;
    } }],
    2: [unknownOption, { what: "with a bad config", run: async (state, dir) => cli(["daemon", "--config", await badConfig(dir)], state) }],
    3: [{ what: "while another daemon runs on the same state folder", run: async (state) => {
      let second: Outcome | undefined;
      const first = runUntilReadyThen(["daemon", "--port", "0", "--no-initial-run"], /"msg":"daemon started"/, state, async () => {
        second = await cli(["daemon", "--port", "0", "--no-initial-run"], state);
      });
      expect((await first).code).toBe(0);
      if (!second) throw new Error("the second daemon never ran");
      return second;
    } }, withCorruptState(["daemon", "--port", "0"])],
  },
  serve: {
    0: [{ what: "started, then stopped with SIGTERM", run: async (state, _dir, row) => {
      const result = await runUntilReady(argvOf(row.template), /pressroom: serving /, state);
      expect(result.wasReady).toBe(true);
      return result;
    } }],
    2: [unknownOption, { what: "with a bad config", run: async (state, dir) => cli(["serve", "--port", "0", "--config", await badConfig(dir)], state) }],
    3: [{ what: "with a database it cannot reach", run: (state) => runCli(["serve", "--port", "0", "--state", state], { env: { PRESSROOM_DATABASE_URL: "postgres://u:pw@127.0.0.1:9/x" } }) }],
  },
  "copy-state": {
    0: [{ what: "from an imported state folder into a new one", run: async (state, dir) => {
      await importSample(state);
      const result = await runCli(["copy-state", "--from", state, "--to", join(dir, "copy")]);
      expect(result.stdout).toMatch(/copied state folder .* to state folder .*: \d+ release/);
      return result;
    } }],
    2: [unknownOption, { what: "without --to", run: (state) => runCli(["copy-state", "--from", state]) }],
    3: [{ what: "into a state folder that is not empty", run: async (state, dir) => {
      await importSample(state);
      await importSample(join(dir, "busy"));
      return runCli(["copy-state", "--from", state, "--to", join(dir, "busy")]);
    } }],
  },
  "--version": { 0: [asWritten] },
  "--help": { 0: [asWritten, { what: "of a command (daemon --help)", run: (state) => cli(["daemon", "--help"], state) }] },
};

/** Like runUntilReady, but runs `meanwhile` once ready and only then sends SIGTERM. */
function runUntilReadyThen(args: readonly string[], ready: RegExp, state: string, meanwhile: () => Promise<void>): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args, "--state", state], {
      cwd: REPO,
      env: { ...process.env, PRESSROOM_SMTP_URL: undefined, PRESSROOM_LOG_LEVEL: "info" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let started = false;
    const check = () => {
      if (started || !ready.test(out)) return;
      started = true;
      meanwhile().finally(() => child.kill("SIGTERM")).catch(reject);
    };
    child.stdout.on("data", (d: Buffer) => { out += d.toString(); check(); });
    child.stderr.on("data", (d: Buffer) => { out += d.toString(); check(); });
    const guard = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(guard);
      resolve({ code, stdout: out, stderr: "" });
    });
  });
}

/** Codes in the exit-code table that no single command row lists, and why. */
const GLOBAL_CODES: Readonly<Record<number, string>> = {
  4: "an unexpected internal error: any command, never on purpose",
  130: "a second stop signal during shutdown (daemon, serve): a race, not provoked here",
};

const readme = parseReadme(await readFile(join(REPO, "README.md"), "utf8"));

describe("README CLI table", () => {
  it("lists every command the CLI has, and only those", async () => {
    const help = await runCli(["--help"]);
    const listed = [...help.stdout.matchAll(/^ {2}([a-z][a-z-]*)\b/gm)].map((m) => m[1]).filter((c) => c !== "help");
    expect(readme.commands.map((c) => c.name).filter((n) => !n.startsWith("-")).sort()).toEqual([...listed].sort());
    expect(Object.keys(SCENARIOS).sort()).toEqual(readme.commands.map((c) => c.name).sort());
  });

  it("uses only exit codes the exit-code table defines, and the table defines no code nothing uses", () => {
    const used = new Set(readme.commands.flatMap((c) => c.codes));
    for (const code of used) expect(readme.exitCodes.has(code), `exit code ${code} is not in the exit-code table`).toBe(true);
    for (const code of readme.exitCodes.keys()) expect(used.has(code) || code in GLOBAL_CODES, `exit code ${code} is used by no command`).toBe(true);
  });

  it("has a scenario for every exit code each command lists, and none for codes it does not", () => {
    for (const row of readme.commands) {
      expect(Object.keys(SCENARIOS[row.name] ?? {}).map(Number).sort(), row.template).toEqual([...row.codes].sort());
    }
  });
});

describe.concurrent("README CLI table: each command exits as the table says", () => {
  const cases = readme.commands.flatMap((row) =>
    row.codes.flatMap((code) => (SCENARIOS[row.name]?.[code] ?? []).map((scenario) => ({ row, code, scenario }))),
  );
  it.each(cases.map((c) => [c.row.template, c.code, c.scenario.what, c] as const))("%s exits %i %s", async (_t, code, _w, { row, scenario }) => {
    const { dir, cleanup } = await makeTempDir("pressroom-readme-");
    try {
      const result = await scenario.run(join(dir, "state"), dir, row);
      expect(result.code, `${scenario.what}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`).toBe(code);
    } finally {
      await cleanup();
    }
  }, 60_000);
});
