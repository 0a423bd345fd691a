import { resolve } from "node:path";
import { parseConfig } from "../../src/config/load.js";
import { fixedClock } from "../../src/core/clock.js";
import { silentLogger } from "../../src/core/logger.js";
import type { MailTransport } from "../../src/mail/index.js";
import type { PipelineDeps } from "../../src/pipeline/pipeline-deps.js";
import { createHttpFetcher } from "../../src/sources/index.js";
import { openStore, type Store } from "../../src/store/open-store.js";

export const SAMPLE = resolve(import.meta.dirname, "../../samples/home-office-2023-10.txt");

/** Real deps over a temp state folder: a real store, real fetcher, optional real transport. */
export async function openHarness(options: { stateDir: string; config: unknown; transport?: MailTransport; now?: string; alertBacklog?: boolean }) {
  const config = parseConfig(options.config);
  const clock = fixedClock(options.now ?? "2026-11-29T10:00:00Z");
  const store: Store = await openStore(options.stateDir, { clock, feedEntries: config.feeds.entries });
  const deps: PipelineDeps = {
    config,
    baseDir: "/",
    store,
    http: createHttpFetcher({ timeoutMs: 2_000, retries: 0 }),
    clock,
    log: silentLogger,
    ...(options.transport ? { transport: options.transport } : {}),
    compose: { from: "Pressroom <alerts@pressroom.test>", baseUrl: "http://127.0.0.1:8080", listId: "home-office.pressroom.test", unsubscribeMailto: "unsubscribe@pressroom.test", secret: "test-secret-0123456789abcdef" },
    ...(options.alertBacklog ? { alertBacklog: true } : {}),
  };
  return { deps, store, clock, close: () => store.close() };
}
