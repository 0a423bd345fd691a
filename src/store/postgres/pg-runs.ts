import type { RunStore } from "../../core/ports.js";
import { type RunSummary, type RunTotals, KEEP_RUNS, addRunToTotals as addRun, emptyTotals } from "../../core/run.js";

export { KEEP_RUNS, addRun, emptyTotals };
import { type Db, type Sql } from "./pg-db.js";

export async function putTotals(client: Sql, totals: RunTotals): Promise<void> {
  await client.query("insert into run_totals (id, data) values (1, $1::jsonb) on conflict (id) do update set data = excluded.data", [JSON.stringify(totals)]);
}

export async function insertRuns(client: Sql, runs: readonly RunSummary[]): Promise<void> {
  if (runs.length === 0) return;
  await client.query("insert into runs (data) select r from jsonb_array_elements($1::jsonb) with ordinality as x(r, n) order by n", [JSON.stringify(runs)]);
  await client.query("delete from runs where seq <= (select seq from runs order by seq desc offset $1 limit 1)", [KEEP_RUNS]);
}

export class PgRunStore implements RunStore {
  constructor(private readonly db: Db) {}

  async record(run: RunSummary): Promise<void> {
    await this.db.tx("record a run", async (client) => {
      const { rows } = await client.query<{ data: RunTotals }>("select data from run_totals where id = 1 for update");
      await insertRuns(client, [run]);
      await putTotals(client, addRun({ ...emptyTotals(), ...rows[0]?.data }, run));
    });
  }

  async last(): Promise<RunSummary | undefined> {
    return (await this.recent(1))[0];
  }

  async recent(limit: number): Promise<RunSummary[]> {
    const { rows } = await this.db.query<{ data: RunSummary }>("list runs", "select data from runs order by seq desc limit $1", [Math.max(0, limit)]);
    return rows.map((r) => r.data);
  }

  async totals(): Promise<RunTotals> {
    const { rows } = await this.db.query<{ data: RunTotals }>("read run totals", "select data from run_totals where id = 1");
    return { ...emptyTotals(), ...rows[0]?.data };
  }
}
