import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe } from "vitest";
import { fixedClock, type Clock } from "../../src/core/clock.js";
import type { SearchKeys, StateStore } from "../../src/core/ports.js";
import { createFreshDatabase } from "../../bench/fresh-database.js";

/*
 * Every state test runs over both engines: `describeEngines("…", (engine) => { … })`.
 * PostgreSQL comes from PRESSROOM_TEST_DATABASE_URL (a role that may create databases); each
 * opened state gets a database of its own, dropped afterwards. Without the URL the PostgreSQL
 * cases skip, except under CI=true, where they fail. PRESSROOM_TEST_ENGINES=lowdb (or postgres)
 * narrows a local run to one engine.
 */

export type EngineName = "lowdb" | "postgres";

export interface OpenOptions {
  readonly clock?: Clock;
  readonly feedEntries?: number;
  /** Keys commits index releases with (the CLI passes `releaseSearchKeys`); without, the search index is marked out of date. */
  readonly searchKeys?: SearchKeys;
}

/** One state of one engine, in a temp folder or a fresh database. */
export interface TestState {
  readonly engine: EngineName;
  readonly store: StateStore;
  /** What selects this state from the CLI: a state folder, or a database URL. */
  readonly target: { readonly dir: string; readonly url?: string };
  /** Opens a second handle on the same state (a restart, or another instance). */
  open(options?: OpenOptions): Promise<StateStore>;
  /** Closes every handle and deletes the state. */
  cleanup(): Promise<void>;
}

export interface EngineCase {
  readonly name: EngineName;
  /** Opens a fresh, empty state. */
  fresh(options?: OpenOptions): Promise<TestState>;
}

const DEFAULT_NOW = "2026-11-29T10:00:00Z";

export function testDatabaseUrl(): string | undefined {
  const url = process.env.PRESSROOM_TEST_DATABASE_URL;
  if (url) return url;
  if (process.env.CI === "true") throw new Error("PRESSROOM_TEST_DATABASE_URL is not set: under CI=true the PostgreSQL tests must run (.ci/run starts PostgreSQL and exports it)");
  return undefined;
}

/** Creates an empty database next to the test database; returns its URL and a function dropping it. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = testDatabaseUrl();
  if (!admin) throw new Error("no PRESSROOM_TEST_DATABASE_URL");
  return createFreshDatabase(admin, "pressroom_t");
}

const lowdbCase: EngineCase = {
  name: "lowdb",
  async fresh(options = {}) {
    const { openLowdbState } = await import("../../src/store/lowdb/open-lowdb-state.js");
    const dir = await mkdtemp(join(tmpdir(), "pressroom-state-"));
    const handles: StateStore[] = [];
    const open = async (o: OpenOptions = options) => {
      const store = await openLowdbState(dir, { clock: o.clock ?? fixedClock(DEFAULT_NOW), ...(o.feedEntries ? { feedEntries: o.feedEntries } : {}), ...(o.searchKeys ? { searchKeys: o.searchKeys } : {}), lockWaitMs: 2_000 });
      handles.push(store);
      return store;
    };
    const store = await open();
    return {
      engine: "lowdb",
      store,
      target: { dir },
      open: async (o) => {
        // One writer per state folder: a second handle is a restart of the first.
        for (const h of handles.splice(0)) await h.close().catch(() => {});
        return open(o);
      },
      cleanup: async () => {
        for (const h of handles.splice(0)) await h.close().catch(() => {});
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
};

const postgresCase: EngineCase = {
  name: "postgres",
  async fresh(options = {}) {
    const { openPostgresState } = await import("../../src/store/postgres/open-postgres-state.js");
    const db = await createTestDatabase();
    const dir = await mkdtemp(join(tmpdir(), "pressroom-pgstate-"));
    const handles: StateStore[] = [];
    const open = async (o: OpenOptions = options) => {
      const store = await openPostgresState(db.url, { clock: o.clock ?? fixedClock(DEFAULT_NOW), ...(o.feedEntries ? { feedEntries: o.feedEntries } : {}), ...(o.searchKeys ? { searchKeys: o.searchKeys } : {}) });
      handles.push(store);
      return store;
    };
    const store = await open();
    return {
      engine: "postgres",
      store,
      target: { dir, url: db.url },
      open,
      cleanup: async () => {
        for (const h of handles.splice(0)) await h.close().catch(() => {});
        await db.drop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
};

function wanted(name: EngineName): boolean {
  const only = process.env.PRESSROOM_TEST_ENGINES;
  return !only || only.split(",").map((s) => s.trim()).includes(name);
}

/** The engines this run tests. PostgreSQL is listed only when a database is given (always under CI). */
export function stateEngines(): EngineCase[] {
  const out: EngineCase[] = [];
  if (wanted("lowdb")) out.push(lowdbCase);
  if (wanted("postgres") && testDatabaseUrl()) out.push(postgresCase);
  return out;
}

/** `describe` once per engine: `describeEngines("outbox", (engine) => { it(…, async () => { const s = await engine.fresh(); … }) })`. */
export function describeEngines(title: string, body: (engine: EngineCase) => void): void {
  const engines = stateEngines();
  if (wanted("postgres") && !engines.some((e) => e.name === "postgres")) {
    describe.skip(`${title} [postgres: no PRESSROOM_TEST_DATABASE_URL]`, () => {});
  }
  for (const engine of engines) describe(`${title} [${engine.name}]`, () => body(engine));
}
