import { describe, expect, it } from "vitest";
import type { StoredRelease } from "../../src/core/release.js";
import { createSubscriberMatcher } from "../../src/pipeline/plan-alerts.js";
import { makeRelease, makeSubscriber, makeTopic } from "../fixtures/mail/builders.js";
import { DEFAULT_DIGEST_SCHEDULE } from "../../src/config/schema.js";

const NOW = new Date("2024-03-05T10:00:00Z");

function stored(n: number): StoredRelease {
  const release = makeRelease(n);
  const at = "2024-03-05T09:00:00.000Z";
  return { ...release, firstSeenAt: at, updatedAt: at, hash: `h${n}`, revisions: [{ hash: `h${n}`, recordedAt: at, title: release.title, summary: release.summary, body: release.body }], provenance: [] };
}

describe("subscriber matcher: onMailLikely", () => {
  const subscribers = [makeSubscriber("ann@example.org", [makeTopic("facial recognition")])];

  it("is called as a plan over a new or revised release starts, before any alert is planned", () => {
    const calls: number[] = [];
    let planned = 0;
    const matcher = createSubscriberMatcher(subscribers, { digests: DEFAULT_DIGEST_SCHEDULE, onMailLikely: () => calls.push(planned) });
    planned = matcher.plan([{ type: "new", item: {} as never, release: stored(1) }], NOW).length;
    expect(planned).toBe(1);
    expect(calls).toEqual([0]);
    const release = stored(2);
    matcher.plan([{ type: "revised", item: {} as never, release, previous: release, changes: [] } as never], NOW);
    expect(calls).toHaveLength(2);
  });

  it("is not called for unchanged releases, nor when nobody subscribes", () => {
    const calls: string[] = [];
    createSubscriberMatcher(subscribers, { digests: DEFAULT_DIGEST_SCHEDULE, onMailLikely: () => calls.push("some") }).plan([{ type: "unchanged", item: {} as never, release: stored(1) } as never], NOW);
    createSubscriberMatcher([], { digests: DEFAULT_DIGEST_SCHEDULE, onMailLikely: () => calls.push("none") }).plan([{ type: "new", item: {} as never, release: stored(1) }], NOW);
    expect(calls).toEqual([]);
  });
});
