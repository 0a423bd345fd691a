import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.js";
import { startSmtpSink, type SmtpSink } from "../helpers/smtp-sink.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import { SAMPLE } from "../helpers/pipeline-harness.js";

let sink: SmtpSink;
beforeAll(async () => (sink = await startSmtpSink()));
afterAll(async () => sink.close());

it("pressroom status shows the queue, the send rate and failures by class after a send over SMTP", async () => {
  const { dir, cleanup } = await makeTempDir();
  try {
    const state = join(dir, "state");
    const env = { PRESSROOM_SMTP_URL: sink.url };
    const text = await readFile(SAMPLE, "utf8");
    await writeFile(join(dir, "first.txt"), text);
    const added = "  • PRESS RELEASE : Brand new asylum hotels plan [October 2023]\n\n    The press release issued by the Home Office on 31 October 2023.\n\n    A new asylum plan.\n\n";
    await writeFile(join(dir, "second.txt"), text.replace("Tag: Home Office\n\n", `Tag: Home Office\n\n${added}`));
    for (const email of ["desk@example.org", "gone@example.org", "later@example.org"]) {
      expect((await runCli(["subscribe", email, "asylum", "--state", state])).code).toBe(0);
    }
    sink.rejectRecipient("gone@example.org", 550);
    sink.rejectRecipient("later@example.org", 451);
    expect((await runCli(["import", join(dir, "first.txt"), "--state", state], { env })).code).toBe(0);
    const second = await runCli(["import", join(dir, "second.txt"), "--state", state], { env });
    expect(second.stdout).toMatch(/alerts: 3 queued, 1 sent/);
    expect(sink.messages.map((m) => m.to[0])).toEqual(["desk@example.org"]);

    const status = await runCli(["status", "--state", state]);
    expect(status.stdout).toMatch(/outbox: 1 pending \(0 due, oldest pending queued \d+ min ago\), 1 sent, 1 failed/);
    expect(status.stdout).toMatch(/send rate: \d+\.\d alerts\/s over the last run \(1 sent in \d+\.\d s\)/);
    expect(status.stdout).toMatch(/failures by class: rejected-recipient 1\n/);
    expect(status.stdout).toMatch(/failed: gone@example\.org · Brand new asylum hotels plan: .*550/);
  } finally {
    await cleanup();
  }
});
