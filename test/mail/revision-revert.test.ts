import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from "vitest";
import { createMailTransport } from "../../src/mail/index.js";
import { runOnce } from "../../src/pipeline/run-once.js";
import { openHarness, SAMPLE } from "../helpers/pipeline-harness.js";
import { startSmtpSink, type SmtpSink } from "../helpers/smtp-sink.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import { describeEngines, type TestState } from "../helpers/state-engines.js";

describeEngines("revision alerts", (engine) => {
  let sink: SmtpSink;
  beforeAll(async () => (sink = await startSmtpSink()));
  afterAll(async () => sink.close());
  beforeEach(() => sink.reset());
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

  async function run(stateDir: string, path: string, subscriptions: unknown[], now: string, alertBacklog = false) {
    const transport = createMailTransport({ smtpUrl: sink.url, outboxDir: join(stateDir, "eml") });
    const h = await openHarness({ state: await stateFor(stateDir), config: { sources: [{ id: "inbox", type: "dump", path }], subscriptions }, transport, now, alertBacklog });
    try {
      return await runOnce(h.deps);
    } finally {
      await transport.close();
      await h.close();
    }
  }

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
});
