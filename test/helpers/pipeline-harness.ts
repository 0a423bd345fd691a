import { resolve } from "node:path";
import { parseConfig } from "../../src/config/load.js";
import { fixedClock } from "../../src/core/clock.js";
import { silentLogger } from "../../src/core/logger.js";
import type { SearchKeys, StateStore } from "../../src/core/ports.js";
import type { MailTransport } from "../../src/mail/index.js";
import type { PipelineDeps } from "../../src/pipeline/pipeline-deps.js";
import { createHttpFetcher } from "../../src/sources/index.js";
import type { TestState } from "./state-engines.js";

export const SAMPLE = resolve(import.meta.dirname, "../../samples/home-office-2023-10.txt");

export const TEST_COMPOSE = { from: "Pressroom <alerts@pressroom.test>", baseUrl: "http://127.0.0.1:8080", listId: "home-office.pressroom.test", unsubscribeMailto: "unsubscribe@pressroom.test", secret: "test-secret-0123456789abcdef" };

/**
 * Real deps over a test state of either engine (see state-engines.ts): a real store, real fetcher,
 * optional real transport. Opening a harness again on the same state is a restart.
 */
export async function openHarness(options: { state: TestState; config: unknown; transport?: MailTransport; now?: string; alertBacklog?: boolean; owner?: string; searchKeys?: SearchKeys }) {
  const config = parseConfig(options.config);
  const clock = fixedClock(options.now ?? "2026-11-29T10:00:00Z");
  const store: StateStore = await options.state.open({ clock, feedEntries: config.feeds.entries, ...(options.searchKeys ? { searchKeys: options.searchKeys } : {}) });
  const deps: PipelineDeps = {
    config,
    baseDir: "/",
    store,
    http: createHttpFetcher({ timeoutMs: 2_000, retries: 0 }),
    clock,
    log: silentLogger,
    owner: options.owner ?? "test-owner",
    ...(options.transport ? { transport: options.transport } : {}),
    compose: TEST_COMPOSE,
    ...(options.alertBacklog ? { alertBacklog: true } : {}),
  };
  return {
    deps,
    store,
    clock,
    /** The stored XML of a feed (`all`, `topics/x`…). */
    feedXml: async (name: string): Promise<string> => {
      const doc = await store.feeds.get(name);
      if (!doc) throw new Error(`no feed document ${name}`);
      return doc.xml;
    },
    close: () => store.close(),
  };
}
