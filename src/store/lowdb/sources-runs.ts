import type { RunStore, SourceStore } from "../../core/ports.js";
import { addRunToTotals, emptyTotals, KEEP_RUNS, type RunSummary, type RunTotals } from "../../core/run.js";
import { emptySourceState, type SourceState } from "../../core/source.js";
import type { Ctx } from "./context.js";
import { RUNS, SOURCES } from "./layout.js";

interface SourcesDoc {
  sources: Record<string, SourceState>;
}
interface RunsDoc {
  last?: RunSummary;
  recent: RunSummary[];
  totals: RunTotals;
}

/** Per-source health and cursors (`sources.json`: a handful of sources). */
export class LowSources implements SourceStore {
  constructor(private readonly ctx: Ctx) {}

  doc() {
    return this.ctx.docs.get<SourcesDoc>(SOURCES, () => ({ sources: {} }));
  }

  /** Stages a source's state into the held document. */
  async stage(state: SourceState): Promise<void> {
    (await this.doc()).sources[state.id] = JSON.parse(JSON.stringify(state)) as SourceState;
    this.ctx.docs.touch(SOURCES);
  }

  async get(id: string): Promise<SourceState> {
    await this.ctx.before();
    return (await this.doc()).sources[id] ?? emptySourceState(id);
  }

  async list(): Promise<SourceState[]> {
    await this.ctx.before();
    return Object.values((await this.doc()).sources).sort((a, b) => a.id.localeCompare(b.id));
  }

  async put(state: SourceState): Promise<void> {
    await this.ctx.write(async () => {
      await this.stage(state);
      await this.ctx.unit({ files: await this.ctx.docs.staged() });
    });
  }
}

/** The last 50 runs and running totals (`runs.json`). */
export class LowRuns implements RunStore {
  constructor(private readonly ctx: Ctx) {}

  doc() {
    return this.ctx.docs.get<RunsDoc>(RUNS, () => ({ recent: [], totals: emptyTotals() }));
  }

  async record(run: RunSummary): Promise<void> {
    await this.ctx.write(async () => {
      const doc = await this.doc();
      doc.totals = addRunToTotals({ ...emptyTotals(), ...doc.totals }, run);
      doc.last = run;
      doc.recent = [run, ...doc.recent].slice(0, KEEP_RUNS);
      this.ctx.docs.touch(RUNS);
      await this.ctx.unit({ files: await this.ctx.docs.staged() });
    });
  }

  async last(): Promise<RunSummary | undefined> {
    await this.ctx.before();
    return (await this.doc()).recent[0] ?? (await this.doc()).last;
  }

  async recent(limit: number): Promise<RunSummary[]> {
    await this.ctx.before();
    return (await this.doc()).recent.slice(0, limit);
  }

  async totals(): Promise<RunTotals> {
    await this.ctx.before();
    return { ...emptyTotals(), ...(await this.doc()).totals };
  }

  /** Import: a run newer than the ones held (records come oldest first), or the totals. */
  async importRun(run: RunSummary): Promise<void> {
    const doc = await this.doc();
    doc.recent = [run, ...doc.recent].slice(0, KEEP_RUNS);
    doc.last = doc.recent[0];
    this.ctx.docs.touch(RUNS);
    await this.ctx.unit({ files: await this.ctx.docs.staged() });
  }
  async importTotals(totals: RunTotals): Promise<void> {
    (await this.doc()).totals = { ...emptyTotals(), ...totals };
    this.ctx.docs.touch(RUNS);
    await this.ctx.unit({ files: await this.ctx.docs.staged() });
  }
}
