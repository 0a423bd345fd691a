import type { SourceStore } from "../../core/ports.js";
import { emptySourceState, type SourceState } from "../../core/source.js";
import { bumpGeneration, type Db, type Sql } from "./pg-db.js";
import { assertLeaseHeld } from "./pg-leases.js";

export async function putSources(client: Sql, states: readonly SourceState[]): Promise<void> {
  if (states.length === 0) return;
  const latest = [...new Map(states.map((s) => [s.id, s])).values()];
  await client.query(
    `insert into sources (id, data) select s->>'id', s from jsonb_array_elements($1::jsonb) s
     on conflict (id) do update set data = excluded.data`,
    [JSON.stringify(latest)],
  );
}

export class PgSourceStore implements SourceStore {
  constructor(private readonly db: Db) {}

  async get(id: string): Promise<SourceState> {
    const { rows } = await this.db.query<{ data: SourceState }>("read a source", "select data from sources where id = $1", [id]);
    return rows[0]?.data ?? emptySourceState(id);
  }

  async list(): Promise<SourceState[]> {
    const { rows } = await this.db.query<{ data: SourceState }>("list sources", "select data from sources order by id");
    return rows.map((r) => r.data);
  }

  async put(state: SourceState): Promise<void> {
    await this.db.tx("record a source", async (client) => {
      await assertLeaseHeld(client, this.db.location);
      await putSources(client, [state]);
      await bumpGeneration(client);
    });
  }
}
