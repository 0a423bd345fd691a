import type { RunSummary, RunTotals } from "../core/run.js";
import type { DocCache } from "./docs.js";

interface RunsDoc {
  last?: RunSummary;
  recent: RunSummary[];
  totals: RunTotals;
}

const FILE = "runs.json";
const KEEP = 50;

export function emptyTotals(): RunTotals {
  return { runs: 0, releasesNew: 0, releasesRevised: 0, sourceFailures: 0, deliveriesSent: 0, deliveriesFailed: 0, runSecondsTotal: 0 };
}

/** The last runs and running totals (for /healthz and /metrics). */
export class RunRepo {
  constructor(private readonly docs: DocCache) {}

  private doc() {
    return this.docs.get<RunsDoc>(FILE, () => ({ recent: [], totals: emptyTotals() }));
  }

  async record(run: RunSummary): Promise<void> {
    const doc = await this.doc();
    const t = doc.data.totals;
    t.runs++;
    for (const s of run.sources) {
      t.releasesNew += s.new;
      t.releasesRevised += s.revised;
      if (s.status === "failed") t.sourceFailures++;
    }
    t.deliveriesSent += run.deliveries.sent;
    t.deliveriesFailed += run.deliveries.failed;
    t.runSecondsTotal += run.durationMs / 1000;
    doc.data.last = run;
    doc.data.recent = [run, ...doc.data.recent].slice(0, KEEP);
    await this.docs.save(FILE, doc);
  }

  async last(): Promise<RunSummary | undefined> {
    return (await this.doc()).data.last;
  }

  async totals(): Promise<RunTotals> {
    return { ...emptyTotals(), ...(await this.doc()).data.totals };
  }
}
