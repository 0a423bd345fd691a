import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createMailTransport } from "../../src/mail/index.js";
import { runOnce } from "../../src/pipeline/run-once.js";
import { openHarness, SAMPLE } from "../helpers/pipeline-harness.js";
import { startSmtpSink, type SmtpSink } from "../helpers/smtp-sink.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import { describeEngines } from "../helpers/state-engines.js";

const SUBSCRIBERS = [
  { email: "desk@example.org", topics: [{ query: '"facial recognition"' }, { query: "police" }] },
  { email: "charity@example.org", topics: [{ query: "asylum OR hotels" }] },
];

/** A later dump: the sample with two new releases added at the top. */
async function laterDump(dir: string): Promise<string> {
  const sample = await readFile(SAMPLE, "utf8");
  const extra = (title: string, day: number, body: string) =>
    `  • PRESS RELEASE : ${title} [October 2023]\n\n    PRESS RELEASE : ${title} [October 2023]\n\n    The press release issued by the Home Office on ${day} October 2023.\n\n    ${body}\n\n`;
  const text = sample.replace(
    "Tag: Home Office\n\n",
    `Tag: Home Office\n\n${extra("Police to expand facial recognition vans", 31, "Police forces will use more facial recognition vans.")}${extra("New asylum accommodation sites", 31, "The Home Office will move people out of asylum hotels.")}`,
  );
  const file = join(dir, "later.txt");
  await writeFile(file, text);
  return file;
}

const STEPS = ["after-commit", "after-feeds", "before-batch", "after-batch", "after-send", "after-mark"] as const;

describeEngines("alerts are delivered exactly once across crashes", (engine) => {
  let sink: SmtpSink;
  beforeAll(async () => (sink = await startSmtpSink()));
  afterAll(async () => sink.close());
  beforeEach(() => sink.reset());

  it.each(STEPS)("crash at %s, then a clean run: every alert arrives, under one Message-ID each", async (step) => {
    const { dir, cleanup } = await makeTempDir();
    const state = await engine.fresh();
    try {
      const config = (path: string) => ({ sources: [{ id: "inbox", type: "dump", path }], subscriptions: SUBSCRIBERS });
      // Baseline: the sample's backlog alerts nobody.
      let h = await openHarness({ state, config: config(SAMPLE), transport: createMailTransport({ smtpUrl: sink.url, outboxDir: join(dir, "eml") }) });
      await runOnce(h.deps);
      await h.deps.transport?.close();
      await h.close();
      expect(sink.messages).toHaveLength(0);

      const later = await laterDump(dir);
      let crashed = false;
      h = await openHarness({ state, config: config(later), transport: createMailTransport({ smtpUrl: sink.url, outboxDir: join(dir, "eml") }), now: "2026-11-29T11:00:00Z" });
      const crashing = { ...h.deps, crashAt: (s: string) => { if (s === step && !crashed) { crashed = true; throw new Error(`simulated crash at ${s}`); } } };
      await expect(runOnce(crashing)).rejects.toThrow(/simulated crash/);
      await h.deps.transport?.close();
      await h.close();

      h = await openHarness({ state, config: config(later), transport: createMailTransport({ smtpUrl: sink.url, outboxDir: join(dir, "eml") }), now: "2026-11-29T11:05:00Z" });
      const recovered = await runOnce(h.deps);
      const pending = await h.store.outbox.pending();
      await h.deps.transport?.close();
      await h.close();

      expect(pending).toEqual([]);
      expect(recovered.sources[0]!.status).not.toBe("failed");
      // Who received what, by Message-ID.
      const byMessage = new Map<string, { to: string; subject: string }>();
      for (const m of sink.messages) byMessage.set(m.messageId!, { to: m.to.join(","), subject: m.parsed.subject ?? "" });
      const got = [...byMessage.values()].map((m) => `${m.to} ${m.subject}`).sort();
      expect(got).toEqual([
        "charity@example.org [Pressroom] New asylum accommodation sites",
        "desk@example.org [Pressroom] Police to expand facial recognition vans",
      ]);
      // A duplicate can only be a message in flight at the crash (accepted, not yet marked), re-sent
      // under its Message-ID: the crashed one at after-send, plus what the other connection had on the wire.
      const duplicates = sink.messages.length - 2;
      if (step === "after-send") expect(duplicates).toBeGreaterThanOrEqual(1);
      if (step === "after-send" || step === "after-mark") expect(duplicates).toBeLessThanOrEqual(2);
      else expect(duplicates).toBe(0);
    } finally {
      await state.cleanup();
      await cleanup();
    }
  });
});
