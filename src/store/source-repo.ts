import type { SourceState } from "../core/source.js";
import type { DocCache } from "./docs.js";

interface SourcesDoc {
  sources: Record<string, SourceState>;
}

const FILE = "sources.json";

export function emptySourceState(id: string): SourceState {
  return { id, consecutiveFailures: 0, recentItemCounts: [], recentGapsHours: [], cursor: {} };
}

/** Per-source health and adapter cursors. */
export class SourceRepo {
  constructor(private readonly docs: DocCache) {}

  private doc() {
    return this.docs.get<SourcesDoc>(FILE, () => ({ sources: {} }));
  }

  async get(id: string): Promise<SourceState> {
    return (await this.doc()).data.sources[id] ?? emptySourceState(id);
  }

  async list(): Promise<SourceState[]> {
    return Object.values((await this.doc()).data.sources).sort((a, b) => a.id.localeCompare(b.id));
  }

  async put(state: SourceState): Promise<void> {
    const doc = await this.doc();
    doc.data.sources[state.id] = state;
    await this.docs.save(FILE, doc);
  }
}
