import { copyFile, mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseConfig } from "../../src/config/load.js";
import type { Config } from "../../src/config/schema.js";
import { systemClock } from "../../src/core/clock.js";
import { silentLogger } from "../../src/core/logger.js";
import type { StateStore } from "../../src/core/ports.js";
import { createMailTransport, type MailTransport } from "../../src/mail/index.js";
import { runOnce } from "../../src/pipeline/run-once.js";
import { createServer, type PressroomServer } from "../../src/server/index.js";
import { createHttpFetcher } from "../../src/sources/index.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import { stateEngines, type EngineCase, type TestState } from "../helpers/state-engines.js";

export const ROOT = resolve(import.meta.dirname, "../..");
/** One month of real releases (October 2023). */
export const SAMPLE_DUMP = join(ROOT, "samples/home-office-2023-10.txt");
/** Speeches, a news story and a statement across March, April and June 2024. */
export const KINDS_DUMP = join(ROOT, "test/fixtures/dump/speeches-and-kinds.txt");
export const SECRET = "test-secret-0123456789-abcdefghij";

/** A config whose one source is a dump inbox folder, with one named topic. */
export function testConfig(inbox: string, extra: Record<string, unknown> = {}): Config {
  return parseConfig({
    sources: [{ id: "inbox", type: "dump", path: inbox }],
    feeds: { baseUrl: "http://pressroom.test", entries: 10, topics: [{ name: "facial-recognition", title: "Facial recognition", query: "\"facial recognition\"" }] },
    ...extra,
  });
}

/** One real run over the config, as the CLI would do it. */
export async function runPipeline(state: TestState, config: Config, baseDir: string): Promise<void> {
  const store = await state.open({ clock: systemClock, feedEntries: config.feeds.entries });
  try {
    await runOnce({
      owner: "test-run",
      config,
      baseDir,
      store,
      http: createHttpFetcher({}),
      clock: systemClock,
      log: silentLogger,
      compose: { from: config.mail.from, baseUrl: config.feeds.baseUrl, listId: config.mail.listId, unsubscribeMailto: config.mail.unsubscribeMailto, secret: SECRET },
    });
  } finally {
    await store.close();
  }
}

export interface ServedState {
  readonly dir: string;
  /** Folder of the state (lowdb) or of the `.eml` files (PostgreSQL). */
  readonly stateDir: string;
  readonly state: TestState;
  /** The server's own handle on the state. */
  readonly store: StateStore;
  readonly inbox: string;
  readonly config: Config;
  readonly url: string;
  readonly server: PressroomServer;
  cleanup(): Promise<void>;
}

/** A temp state populated by a real run over both dumps, served on 127.0.0.1:0. */
export async function startServedState(options: { transport?: MailTransport; dumps?: readonly string[]; engine?: EngineCase } = {}): Promise<ServedState> {
  const temp = await makeTempDir("pressroom-server-");
  const inbox = join(temp.dir, "inbox");
  await mkdir(inbox, { recursive: true });
  for (const [i, dump] of (options.dumps ?? [SAMPLE_DUMP, KINDS_DUMP]).entries()) await copyFile(dump, join(inbox, `${i}.txt`));
  const config = testConfig(inbox);
  const state = await (options.engine ?? stateEngines()[0]!).fresh();
  await runPipeline(state, config, temp.dir);
  const store = await state.open({ clock: systemClock, feedEntries: config.feeds.entries });
  const stateDir = state.target.dir;
  const transport = options.transport ?? createMailTransport({ outboxDir: join(stateDir, "outbox") });
  const server = createServer({ store, config, secret: SECRET, useListenUrl: true, transport });
  const { url } = await server.listen(0, "127.0.0.1");
  return {
    dir: temp.dir, stateDir, state, store, inbox, config, url, server,
    cleanup: async () => {
      await server.close();
      if (!options.transport) await transport.close();
      await state.cleanup();
      await temp.cleanup();
    },
  };
}

/** A server over a test state (default: a fresh state of the first engine), with `.eml` mail; `close` ends all of it. */
export async function serveState(config: Config, options: { state?: TestState; transport?: MailTransport; extra?: Partial<Parameters<typeof createServer>[0]> } = {}) {
  const state = options.state ?? (await stateEngines()[0]!.fresh());
  const store = await state.open({ clock: options.extra?.clock ?? systemClock, feedEntries: config.feeds.entries });
  const transport = options.transport ?? createMailTransport({ outboxDir: join(state.target.dir, "outbox") });
  const server = createServer({ store, config, secret: SECRET, transport, ...options.extra });
  return {
    state,
    store,
    server,
    close: async () => {
      await server.close();
      if (!options.transport) await transport.close();
      await state.cleanup();
    },
  };
}
