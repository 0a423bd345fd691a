import { describe, expect, it } from "vitest";
import { DEFAULT_DIGEST_SCHEDULE } from "../../src/config/schema.js";
import { planDeliveries, type AlertCandidate } from "../../src/mail/plan-deliveries.js";
import { makeRelease, makeSubscriber, makeTopic, snippetFor } from "../fixtures/mail/builders.js";

const now = new Date("2024-01-10T12:00:00Z"); // a Wednesday, GMT
const snip = snippetFor("Facial recognition vans will be used.", "facial recognition");

describe("planDeliveries", () => {
  it("makes one delivery per subscriber and release however many topics match, most urgent wins", () => {
    const daily = makeTopic("facial recognition", "daily");
    const immediate = makeTopic("vans", "immediate");
    const alice = makeSubscriber("alice@example.org", [daily, immediate]);
    const bob = makeSubscriber("bob@example.org", [makeTopic("facial", "weekly")]);
    const candidate: AlertCandidate = {
      release: makeRelease(1),
      revisionHash: "h1",
      isRevision: false,
      matches: [
        { subscriber: alice, topic: daily, snippet: snip },
        { subscriber: alice, topic: immediate, snippet: snip },
        { subscriber: bob, topic: bob.topics[0]!, snippet: snip },
      ],
    };
    const planned = planDeliveries([candidate], now, DEFAULT_DIGEST_SCHEDULE);
    expect(planned).toHaveLength(2);
    const a = planned.find((d) => d.email === "alice@example.org")!;
    expect(a.topics.map((t) => t.query)).toEqual(["facial recognition", "vans"]);
    expect(a.frequency).toBe("immediate");
    expect(a.dueAt).toBe(now.toISOString());
    expect(a.status).toBe("pending");
    expect(a.attempts).toBe(0);
    expect(a.snapshot).toMatchObject({ title: makeRelease(1).title, url: makeRelease(1).url, snippet: snip });
    const b = planned.find((d) => d.email === "bob@example.org")!;
    expect(b.frequency).toBe("weekly");
    expect(b.dueAt).toBe("2024-01-15T08:30:00.000Z");
    // deterministic ids
    expect(planDeliveries([candidate], new Date("2025-01-01T00:00:00Z"), DEFAULT_DIGEST_SCHEDULE).map((d) => d.id)).toEqual(planned.map((d) => d.id));
    expect(new Set(planned.map((d) => d.id)).size).toBe(2);
  });

  it("plans digests from the run's wake-up: the 08:30 run's finds are due at 08:30, not the next day", () => {
    const daily = makeTopic("facial recognition", "daily");
    const weekly = makeTopic("facial", "weekly");
    const instant = makeTopic("vans", "immediate");
    const subscribers = [makeSubscriber("d@example.org", [daily]), makeSubscriber("w@example.org", [weekly]), makeSubscriber("i@example.org", [instant])];
    const candidate: AlertCandidate = { release: makeRelease(1), revisionHash: "h1", isRevision: false, matches: subscribers.map((s) => ({ subscriber: s, topic: s.topics[0]!, snippet: snip })) };
    const dueOf = (planned: ReturnType<typeof planDeliveries>) => Object.fromEntries(planned.map((d) => [d.email, d.dueAt]));
    // Monday 2024-01-15, GMT: the daily and weekly digests both fire at 08:30; the run reads the source at 08:30:07.
    const wake = new Date("2024-01-15T08:30:00Z");
    const read = new Date("2024-01-15T08:30:07Z");
    expect(dueOf(planDeliveries([candidate], read, DEFAULT_DIGEST_SCHEDULE, wake))).toEqual({
      "d@example.org": "2024-01-15T08:30:00.000Z",
      "w@example.org": "2024-01-15T08:30:00.000Z",
      "i@example.org": read.toISOString(),
    });
    // Without a wake-up (a run from the command line), from the read: the next digests.
    expect(dueOf(planDeliveries([candidate], read, DEFAULT_DIGEST_SCHEDULE))).toEqual({
      "d@example.org": "2024-01-16T08:30:00.000Z",
      "w@example.org": "2024-01-22T08:30:00.000Z",
      "i@example.org": read.toISOString(),
    });
    // A wake-up after the read (a clock that moved back) is not trusted: from the read.
    expect(dueOf(planDeliveries([candidate], read, DEFAULT_DIGEST_SCHEDULE, new Date("2024-01-15T09:00:00Z")))["d@example.org"]).toBe("2024-01-16T08:30:00.000Z");
  });

  it("alerts a revision only for topics that asked for revisions, with what changed", () => {
    const plain = makeTopic("facial recognition");
    const wantsRevisions = makeTopic("vans", "daily", true);
    const alice = makeSubscriber("alice@example.org", [plain]);
    const bob = makeSubscriber("bob@example.org", [wantsRevisions]);
    const planned = planDeliveries(
      [{
        release: makeRelease(2),
        revisionHash: "h2",
        isRevision: true,
        changes: "Added a paragraph about vans.",
        matches: [
          { subscriber: alice, topic: plain, snippet: snip },
          { subscriber: bob, topic: wantsRevisions, snippet: snip },
        ],
      }],
      now,
      DEFAULT_DIGEST_SCHEDULE,
    );
    expect(planned.map((d) => d.email)).toEqual(["bob@example.org"]);
    expect(planned[0]!.revision).toBe(true);
    expect(planned[0]!.snapshot.changes).toBe("Added a paragraph about vans.");
    expect(planned[0]!.dueAt).toBe("2024-01-11T08:30:00.000Z");
  });

  it("gives each revision of a release its own delivery id", () => {
    const topic = makeTopic("vans", "immediate", true);
    const s = makeSubscriber("a@example.org", [topic]);
    const base = { release: makeRelease(3), matches: [{ subscriber: s, topic, snippet: snip }] };
    const first = planDeliveries([{ ...base, revisionHash: "v1", isRevision: false }], now, DEFAULT_DIGEST_SCHEDULE);
    const second = planDeliveries([{ ...base, revisionHash: "v2", isRevision: true }], now, DEFAULT_DIGEST_SCHEDULE);
    expect(first[0]!.id).not.toBe(second[0]!.id);
  });
});
