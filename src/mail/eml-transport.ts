import { mkdir, open, readdir, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import { systemClock, type Clock } from "../core/clock.js";
import { PressroomError } from "../core/errors.js";
import type { MailTransport, SendResult } from "./mail-transport.js";
import { buildRawMessage } from "./raw-message.js";

function fileStem(messageId: string): string {
  return messageId.replace(/^<|>$/g, "").replace(/[^A-Za-z0-9._@-]/g, "_");
}

function stamp(at: Date): string {
  return at.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
}

/**
 * Writes each message as `<dir>/<timestamp>-<messageId>.eml`, exactly the bytes SMTP would carry
 * (temp file, fsync, rename), once `release` allows. A message whose Message-ID already has a file is
 * not written twice.
 */
export function createEmlTransport(options: { dir: string; clock?: Clock }): MailTransport {
  const clock = options.clock ?? systemClock;
  return {
    kind: "eml",
    async send(message, sendOptions): Promise<SendResult> {
      const stem = fileStem(message.messageId);
      // The file is what "accepted" means here: it is written only once the message may be completed.
      await sendOptions?.release;
      try {
        await mkdir(options.dir, { recursive: true });
        const existing = (await readdir(options.dir)).find((name) => name.endsWith(`-${stem}.eml`));
        if (existing) return { accepted: [message.to], rejected: [], response: `already written ${join(options.dir, existing)}` };
        const { raw } = buildRawMessage(message, clock.now());
        const file = join(options.dir, `${stamp(clock.now())}-${stem}.eml`);
        const temp = join(options.dir, `.${stem}.${process.pid}.tmp`);
        const handle = await open(temp, "w");
        try {
          await handle.writeFile(raw);
          await handle.sync();
        } finally {
          await handle.close();
        }
        await rename(temp, file).catch(async (error: unknown) => {
          await unlink(temp).catch(() => {});
          throw error;
        });
        return { accepted: [message.to], rejected: [], response: `written ${file}` };
      } catch (error) {
        throw new PressroomError("MAIL_FAILED", `mail: cannot write the message to ${options.dir}: ${(error as Error).message}`, { cause: error });
      }
    },
    async close() {},
  };
}
