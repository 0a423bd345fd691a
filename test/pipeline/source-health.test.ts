import { describe, expect, it } from "vitest";
import type { SourceRunResult } from "../../src/core/run.js";
import { detectAnomalies, recordFailure, recordSuccess } from "../../src/pipeline/source-health.js";
import { emptySourceState } from "../../src/core/source.js";

const ok = (n: Partial<SourceRunResult> = {}): SourceRunResult => ({ sourceId: "s", status: "ok", new: 0, revised: 0, unchanged: 0, baseline: false, warnings: [], durationMs: 1, ...n });
const at = (h: number) => new Date(Date.UTC(2026, 0, 1) + h * 3_600_000);

describe("source health", () => {
  it("counts consecutive failures, keeps the cursor, and resets on success", () => {
    let s = recordSuccess(emptySourceState("s"), ok({ new: 3 }), { etag: "a" }, 3, at(0));
    s = recordFailure(s, "FETCH_HTTP: 500", at(1));
    s = recordFailure(s, "FETCH_HTTP: 500", at(2));
    expect(s.consecutiveFailures).toBe(2);
    expect(s.cursor).toEqual({ etag: "a" });
    expect(detectAnomalies(s, at(2))[0]).toMatch(/2 consecutive failure\(s\), last: FETCH_HTTP: 500/);
    s = recordSuccess(s, ok(), { etag: "b" }, 3, at(3));
    expect(s.consecutiveFailures).toBe(0);
    expect(s.lastSuccessAt).toBe(at(3).toISOString());
  });

  it("flags a source that suddenly returns no items", () => {
    let s = emptySourceState("s");
    for (let i = 0; i < 4; i++) s = recordSuccess(s, ok(), {}, 20, at(i));
    expect(detectAnomalies(s, at(5))).toEqual([]);
    s = recordSuccess(s, ok(), {}, 0, at(6));
    expect(detectAnomalies(s, at(6))).toEqual(["returned no items (usually 20)"]);
  });

  it("flags a source silent far longer than usual", () => {
    let s = emptySourceState("s");
    for (let i = 0; i <= 4; i++) s = recordSuccess(s, ok({ new: 1 }), {}, 20, at(i * 6));
    expect(detectAnomalies(s, at(30))).toEqual([]);
    expect(detectAnomalies(s, at(24 + 200))[0]).toMatch(/silent for 200 h \(usually a new release every 6 h\)/);
  });
});
