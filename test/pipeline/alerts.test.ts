import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from "vitest";
import { createMailTransport } from "../../src/mail/index.js";
import { runOnce } from "../../src/pipeline/run-once.js";
import { openHarness, SAMPLE } from "../helpers/pipeline-harness.js";
import { startSmtpSink, type SmtpSink } from "../helpers/smtp-sink.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import { describeEngines, type TestState } from "../helpers/state-engines.js";

describeEngines("alerts from the pipeline", (engine) => {
  let sink: SmtpSink;
  beforeAll(async () => (sink = await startSmtpSink()));
  afterAll(async () => sink.close());
  beforeEach(() => sink.reset());
  // Test states by name (a test may use several), created on first use and deleted after each test.
  const states = new Map<string, TestState>();
  const stateFor = async (name: string): Promise<TestState> => {
    let state = states.get(name);
    if (!state) states.set(name, (state = await engine.fresh()));
    return state;
  };
  afterEach(async () => {
    for (const state of states.values()) await state.cleanup();
    states.clear();
  });

  async function run(stateDir: string, path: string, subscriptions: unknown[], now: string, alertBacklog = false, schedule: Record<string, string> = {}, wokeAt?: string) {
    const transport = createMailTransport({ smtpUrl: sink.url, outboxDir: join(stateDir, "eml") });
    const h = await openHarness({ state: await stateFor(stateDir), config: { sources: [{ id: "inbox", type: "dump", path }], subscriptions, schedule }, transport, now, alertBacklog });
    try {
      return await runOnce({ ...h.deps, ...(wokeAt ? { digestsFrom: new Date(wokeAt) } : {}) });
    } finally {
      await transport.close();
      await h.close();
    }
  }

  it("alerts about a first ingest's backlog only with --alert-backlog", async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const subs = [{ email: "desk@example.org", topics: [{ query: "asylum hotels" }] }];
      await run(join(dir, "a"), SAMPLE, subs, "2026-11-29T10:00:00Z");
      expect(sink.messages).toHaveLength(0);
      await run(join(dir, "b"), SAMPLE, subs, "2026-11-29T10:00:00Z", true);
      expect(sink.messages.map((m) => m.parsed.subject)).toEqual(["[Pressroom] Home Office to exit first 50 asylum hotels by the end of January"]);
    } finally {
      await cleanup();
    }
  });

  it("reads the subscriptions only in a run that finds something new or revised", async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const subs = [{ email: "desk@example.org", topics: [{ query: "asylum hotels" }] }];
      const reads: number[] = [];
      const counted = async (now: string) => {
        const transport = createMailTransport({ smtpUrl: sink.url, outboxDir: join(dir, "eml") });
        const h = await openHarness({ state: await stateFor("state"), config: { sources: [{ id: "inbox", type: "dump", path: SAMPLE }], subscriptions: subs }, transport, now, alertBacklog: true });
        let pages = 0;
        const subscriptions = h.deps.store.subscriptions;
        const read = subscriptions.pages!.bind(subscriptions);
        subscriptions.pages = (size) => {
          pages++;
          return read(size);
        };
        try {
          const summary = await runOnce(h.deps);
          reads.push(pages);
          return summary;
        } finally {
          await transport.close();
          await h.close();
        }
      };
      expect((await counted("2026-11-29T10:00:00Z")).sources[0]).toMatchObject({ new: 10 });
      expect(sink.messages).toHaveLength(1);
      expect((await counted("2026-11-29T11:00:00Z")).sources[0]).toMatchObject({ new: 0, revised: 0 });
      expect(reads).toEqual([1, 0]);
      expect(sink.messages).toHaveLength(1);
    } finally {
      await cleanup();
    }
  });

  it("alerts on a revision only those who asked for revisions, saying what changed", async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const state = join(dir, "state");
      const subs = [
        { email: "plain@example.org", topics: [{ query: "asylum hotels" }] },
        { email: "revisions@example.org", topics: [{ query: "asylum hotels", revisions: true }] },
      ];
      await run(state, SAMPLE, subs, "2026-11-29T10:00:00Z");
      const edited = join(dir, "edited.txt");
      const text = await readFile(SAMPLE, "utf8");
      expect(text).toContain("Initial efforts will focus on hotels that can be exited quickly.");
      await writeFile(edited, text.replace("Initial efforts will focus on hotels that can be exited quickly.", "Initial efforts will focus on hotels that can be exited most quickly."));
      const summary = await run(state, edited, subs, "2026-11-30T10:00:00Z");
      expect(summary.sources[0]).toMatchObject({ revised: 1 });
      expect(sink.messages.map((m) => m.to.join())).toEqual(["revisions@example.org"]);
      const mail = sink.messages[0]!.parsed;
      expect(mail.subject).toBe("[Pressroom] Updated: Home Office to exit first 50 asylum hotels by the end of January");
      expect(mail.text).toMatch(/What changed: .*paragraph/);
      expect(mail.html).toContain("What changed:");
    } finally {
      await cleanup();
    }
  });

  it("a revision that restores an earlier text still alerts a subscriber who asked for revisions", async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const state = join(dir, "state");
      const subs = [{ email: "revisions@example.org", topics: [{ query: "asylum hotels", revisions: true }] }];
      const original = await readFile(SAMPLE, "utf8");
      const a = join(dir, "a.txt");
      const b = join(dir, "b.txt");
      await writeFile(a, original);
      await writeFile(b, original.replace("Initial efforts will focus on hotels that can be exited quickly.", "Initial efforts will focus on hotels that can be exited most quickly."));

      await run(state, a, subs, "2026-11-29T10:00:00Z", true); // text A: new-release alert
      expect(sink.messages).toHaveLength(1);
      const second = await run(state, b, subs, "2026-11-30T10:00:00Z"); // text B: revision alert
      expect(second.sources[0]).toMatchObject({ revised: 1 });
      expect(sink.messages).toHaveLength(2);
      const third = await run(state, a, subs, "2026-12-01T10:00:00Z"); // back to text A: a revision too
      expect(third.sources[0]).toMatchObject({ revised: 1 });
      // The subscriber asked for revisions and was told of B; the revert to A must be announced as well.
      expect(sink.messages.map((m) => m.parsed.subject)).toEqual([
        "[Pressroom] Home Office to exit first 50 asylum hotels by the end of January",
        "[Pressroom] Updated: Home Office to exit first 50 asylum hotels by the end of January",
        "[Pressroom] Updated: Home Office to exit first 50 asylum hotels by the end of January",
      ]);
    } finally {
      await cleanup();
    }
  });

  it("queues daily-digest alerts until 08:30 London, then sends one digest per subscriber", async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const state = join(dir, "state");
      const subs = [{ email: "digest@example.org", topics: [{ query: "police", frequency: "daily" }] }];
      // Baseline on an empty inbox folder, then the sample arrives as a new file.
      const inbox = join(dir, "inbox");
      await mkdir(inbox);
      await run(state, inbox, subs, "2026-11-29T10:00:00Z");
      await writeFile(join(inbox, "sample.txt"), await readFile(SAMPLE, "utf8"));
      const queued = await run(state, inbox, subs, "2026-11-29T12:00:00Z");
      expect(queued.deliveries.enqueued).toBeGreaterThan(1);
      expect(sink.messages).toHaveLength(0);
      await run(state, inbox, subs, "2026-11-30T08:31:00Z");
      expect(sink.messages).toHaveLength(1);
      expect(sink.messages[0]!.parsed.subject).toMatch(/^\[Pressroom\] \d+ new Home Office releases for your topics$/);
    } finally {
      await cleanup();
    }
  });

  it("queues daily-digest alerts until the configured schedule.dailyDigest, the same day", async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const state = join(dir, "state");
      const subs = [{ email: "digest@example.org", topics: [{ query: "police", frequency: "daily" }] }];
      const evening = { dailyDigest: "0 18 * * *" };
      const inbox = join(dir, "inbox");
      await mkdir(inbox);
      await run(state, inbox, subs, "2026-11-29T10:00:00Z", false, evening);
      await writeFile(join(inbox, "sample.txt"), await readFile(SAMPLE, "utf8"));
      const queued = await run(state, inbox, subs, "2026-11-29T12:00:00Z", false, evening);
      expect(queued.deliveries.enqueued).toBeGreaterThan(1);
      const h = await openHarness({ state: await stateFor(state), config: {} });
      const pending = await h.store.outbox.pending();
      await h.close();
      expect(new Set(pending.map((d) => d.dueAt))).toEqual(new Set(["2026-11-29T18:00:00.000Z"]));
      await run(state, inbox, subs, "2026-11-29T17:59:00Z", false, evening);
      expect(sink.messages).toHaveLength(0);
      // The scheduler's 18:00 London wake-up (GMT in November) sends the digest that day.
      await run(state, inbox, subs, "2026-11-29T18:00:00Z", false, evening);
      expect(sink.messages).toHaveLength(1);
      expect(sink.messages[0]!.parsed.subject).toMatch(/^\[Pressroom\] \d+ new Home Office releases for your topics$/);
    } finally {
      await cleanup();
    }
  });

  it("sends what the digest wake-up's own run finds in that digest, not the next day's", async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const subs = [{ email: "digest@example.org", topics: [{ query: "police", frequency: "daily" }] }];
      const evening = { dailyDigest: "0 18 * * *" };
      for (const [name, wokeAt, sent] of [["woken", "2026-11-29T18:00:00Z", 1], ["by hand", undefined, 0]] as const) {
        const state = join(dir, name);
        const inbox = join(dir, `inbox-${name}`);
        await mkdir(inbox);
        await run(state, inbox, subs, "2026-11-29T10:00:00Z", false, evening);
        await writeFile(join(inbox, "sample.txt"), await readFile(SAMPLE, "utf8"));
        sink.reset();
        // The 18:00 wake-up's run reads the new release a few seconds after 18:00.
        const result = await run(state, inbox, subs, "2026-11-29T18:00:04Z", false, evening, wokeAt);
        expect(result.deliveries.enqueued, name).toBeGreaterThan(1);
        expect(sink.messages, name).toHaveLength(sent);
        const h = await openHarness({ state: await stateFor(state), config: {} });
        const pending = await h.store.outbox.pending();
        await h.close();
        expect(new Set(pending.map((d) => d.dueAt)), name).toEqual(new Set(sent ? [] : ["2026-11-30T18:00:00.000Z"]));
      }
    } finally {
      await cleanup();
    }
  });

  it("cancels a queued digest when the subscriber unsubscribes before it is due", async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const state = join(dir, "state");
      const subs = [{ email: "digest@example.org", topics: [{ query: "police", frequency: "daily" }] }];
      const queued = await run(state, SAMPLE, subs, "2026-11-29T12:00:00Z", true);
      expect(queued.deliveries.enqueued).toBeGreaterThan(0);
      const h = await openHarness({ state: await stateFor(state), config: {} });
      const removed = await h.store.subscriptions.removeTopics("digest@example.org");
      await h.close();
      expect(removed).toEqual({ removedTopics: 1, cancelled: queued.deliveries.enqueued });
      const later = await run(state, SAMPLE, [], "2026-11-30T08:31:00Z");
      expect(sink.messages).toHaveLength(0);
      expect(later.deliveries.pending).toBe(0);
      const check = await openHarness({ state: await stateFor(state), config: {} });
      const stats = await check.store.outbox.stats(check.clock.now());
      await check.close();
      expect(stats).toMatchObject({ pending: 0, sent: 0, cancelled: queued.deliveries.enqueued });
    } finally {
      await cleanup();
    }
  });

  it("keeps a config-seeded subscriber unsubscribed on later runs", async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const state = join(dir, "state");
      const subs = [{ email: "seeded@example.org", topics: [{ query: "asylum" }] }];
      await run(state, SAMPLE, subs, "2026-11-29T10:00:00Z");
      let h = await openHarness({ state: await stateFor(state), config: {} });
      expect((await h.store.subscriptions.list()).map((x) => x.email)).toEqual(["seeded@example.org"]);
      await h.store.subscriptions.removeTopics("seeded@example.org");
      await h.close();
      await run(state, SAMPLE, subs, "2026-11-29T11:00:00Z");
      h = await openHarness({ state: await stateFor(state), config: {} });
      expect(await h.store.subscriptions.list()).toEqual([]);
      await h.close();
    } finally {
      await cleanup();
    }
  });

  it("alerts about a release new to an established source even when a newcomer's baseline saw it first in config order", async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const state = join(dir, "state");
      const subs = [{ email: "desk@example.org", topics: [{ query: "vans" }] }];
      const established = join(dir, "a.txt");
      const newcomer = join(dir, "b.txt");
      const text = await readFile(SAMPLE, "utf8");
      await writeFile(established, text);
      const transport = () => createMailTransport({ smtpUrl: sink.url, outboxDir: join(dir, "eml") });
      let t = transport();
      let h = await openHarness({ state: await stateFor(state), config: { sources: [{ id: "a", type: "dump", path: established }], subscriptions: subs }, transport: t });
      await runOnce(h.deps);
      await t.close();
      await h.close();
      const added = "  • PRESS RELEASE : Police to expand facial recognition vans [October 2023]\n\n    The press release issued by the Home Office on 31 October 2023.\n\n    More vans.\n\n";
      const later = text.replace("Tag: Home Office\n\n", `Tag: Home Office\n\n${added}`);
      await writeFile(established, later);
      await writeFile(newcomer, later);
      t = transport();
      h = await openHarness({ state: await stateFor(state), config: { sources: [{ id: "b", type: "dump", path: newcomer }, { id: "a", type: "dump", path: established }], subscriptions: subs }, transport: t, now: "2026-11-29T11:00:00Z" });
      const summary = await runOnce(h.deps);
      await t.close();
      await h.close();
      expect(summary.sources.map((x) => [x.sourceId, x.new])).toEqual([["b", 0], ["a", 1]]);
      expect(sink.messages.map((m) => m.parsed.subject)).toEqual(["[Pressroom] Police to expand facial recognition vans"]);
    } finally {
      await cleanup();
    }
  });

  it("alerts, as a new release, a subscriber whose topic only the revised text matches", async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const state = join(dir, "state");
      const subs = [{ email: "late@example.org", topics: [{ query: '"retail crime tsar"' }] }];
      await run(state, SAMPLE, subs, "2026-11-29T10:00:00Z");
      const edited = join(dir, "edited.txt");
      const text = await readFile(SAMPLE, "utf8");
      await writeFile(edited, text.replace("Initial efforts will focus on hotels that can be exited quickly.", "Initial efforts will focus on hotels that can be exited quickly, says the retail crime tsar."));
      const summary = await run(state, edited, subs, "2026-11-30T10:00:00Z");
      expect(summary.sources[0]).toMatchObject({ revised: 1 });
      expect(sink.messages.map((m) => m.parsed.subject)).toEqual(["[Pressroom] Home Office to exit first 50 asylum hotels by the end of January"]);
    } finally {
      await cleanup();
    }
  });
});
