import { copyFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PressroomServer } from "../../src/server/index.js";
import { stateEngines } from "../helpers/state-engines.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import { runPipeline, SAMPLE_DUMP, serveState, startServedState, testConfig, type ServedState } from "./server-fixture.js";

let s: ServedState;
beforeAll(async () => {
  s = await startServedState();
});
afterAll(async () => s?.cleanup());

describe("/healthz", () => {
  it("reports the last run and each source, 200 when healthy", async () => {
    const res = await fetch(`${s.url}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
    const body = (await res.json()) as { status: string; lastRun: { ok: boolean; durationMs: number; finishedAt: string }; sources: { id: string; healthy: boolean; consecutiveFailures: number; lastSuccessAt: string; anomalies: string[] }[] };
    expect(body.status).toBe("ok");
    expect(body.lastRun.ok).toBe(true);
    expect(body.lastRun.durationMs).toBeGreaterThanOrEqual(0);
    expect(Date.parse(body.lastRun.finishedAt)).not.toBeNaN();
    expect(body.sources).toEqual([expect.objectContaining({ id: "inbox", healthy: true, consecutiveFailures: 0, anomalies: [] })]);
    expect(Date.parse(body.sources[0]!.lastSuccessAt)).not.toBeNaN();
  });

  it("is 503 naming the source when a configured source is failing", async () => {
    const temp = await makeTempDir("pressroom-health-");
    let server: PressroomServer | undefined;
    let served: Awaited<ReturnType<typeof serveState>> | undefined;
    try {
      const inbox = join(temp.dir, "inbox");
      await mkdir(inbox);
      await copyFile(SAMPLE_DUMP, join(inbox, "a.txt"));
      const config = testConfig(inbox, {});
      const broken = { ...config, sources: [...config.sources, { id: "gone", type: "dump" as const, path: join(temp.dir, "missing.txt") }] };
      const state = await stateEngines()[0]!.fresh();
      await runPipeline(state, broken, temp.dir);
      await runPipeline(state, broken, temp.dir);
      served = await serveState(broken, { state });
      server = served.server;
      const { url } = await server.listen(0);
      const res = await fetch(`${url}/healthz`);
      expect(res.status).toBe(503);
      const body = (await res.json()) as { status: string; lastRun: { ok: boolean }; sources: { id: string; healthy: boolean; consecutiveFailures: number; errorClass: string; anomalies: string[] }[] };
      expect(body.status).toBe("failing");
      expect(body.lastRun.ok).toBe(false);
      const gone = body.sources.find((x) => x.id === "gone")!;
      expect(gone).toMatchObject({ healthy: false, consecutiveFailures: 2 });
      expect(gone.errorClass).toBe("error not-found");
      expect(JSON.stringify(body)).not.toContain("lastError");
      expect(JSON.stringify(body)).not.toContain(temp.dir);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(gone.anomalies[0]).toMatch(/^failing: 2 consecutive/);
      expect(body.sources.find((x) => x.id === "inbox")?.healthy).toBe(true);

      const metricsRes = await fetch(`${url}/metrics`);
      expect(metricsRes.headers.get("x-content-type-options")).toBe("nosniff");
      const metrics = await metricsRes.text();
      expect(metrics).toContain('pressroom_source_consecutive_failures{source="gone"} 2');
      expect(metrics).toContain('pressroom_source_consecutive_failures{source="inbox"} 0');
      expect(metrics).toMatch(/^pressroom_source_failures_total 2$/m);
      expect(metrics).toMatch(/^pressroom_runs_total 2$/m);
    } finally {
      await served?.close();
      await temp.cleanup();
    }
  });

  it("is 200 with lastRun null on an empty state", async () => {
    const temp = await makeTempDir("pressroom-empty-");
    const served = await serveState(testConfig(join(temp.dir, "inbox")));
    const server = served.server;
    try {
      const { url } = await server.listen(0);
      const res = await fetch(`${url}/healthz`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: "ok", lastRun: null });
      expect((await fetch(`${url}/feeds/all.atom`)).status).toBe(200);
      expect((await fetch(`${url}/`)).status).toBe(200);
    } finally {
      await served.close();
      await temp.cleanup();
    }
  });
});

describe("/metrics", () => {
  it("is Prometheus text with runs, releases, deliveries, failures and durations", async () => {
    const res = await fetch(`${s.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const text = await res.text();
    expect(text).toMatch(/^# TYPE pressroom_runs_total counter$/m);
    expect(text).toMatch(/^pressroom_runs_total 1$/m);
    expect(text).toMatch(/^pressroom_releases_new_total 14$/m);
    expect(text).toMatch(/^pressroom_releases_revised_total 0$/m);
    for (const status of ["sent", "failed", "pending"]) expect(text).toMatch(new RegExp(`^pressroom_deliveries\\{status="${status}"\\} 0$`, "m"));
    expect(text).toMatch(/^pressroom_source_failures_total 0$/m);
    expect(text).toMatch(/^pressroom_source_consecutive_failures\{source="inbox"\} 0$/m);
    expect(text).toMatch(/^# TYPE pressroom_run_duration_seconds summary$/m);
    expect(text).toMatch(/^pressroom_run_duration_seconds_sum \d+(\.\d+)?(e-\d+)?$/m);
    expect(text).toMatch(/^pressroom_run_duration_seconds_count 1$/m);
    expect(text).toMatch(/^pressroom_last_run_duration_seconds \d/m);
    // Every sample line is `name{labels} number`.
    for (const line of text.trim().split("\n").filter((l) => !l.startsWith("#"))) expect(line).toMatch(/^[a-z_]+(\{[a-z]+="[^"]*"\})? -?[0-9.e+-]+$/);
  });
});
