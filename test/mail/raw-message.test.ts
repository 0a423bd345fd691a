import { simpleParser } from "mailparser";
import { describe, expect, it } from "vitest";
import type { ComposedMessage } from "../../src/mail/compose-alert.js";
import { buildRawMessage } from "../../src/mail/raw-message.js";
import { MailSendError } from "../../src/mail/send-error.js";

const base: ComposedMessage = {
  from: "Pressroom <alerts@pressroom.test>",
  to: "alice@example.org",
  subject: "[Pressroom] Plan to close asylum hotels",
  text: "A new release matches your topics.\n",
  html: "<p>A new release matches your topics.</p>",
  headers: {
    "List-Unsubscribe": `<https://pressroom.test/unsubscribe?token=${"a".repeat(120)}>, <mailto:unsubscribe@pressroom.test?subject=unsubscribe%20${"a".repeat(120)}>`,
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    "List-Id": "<home-office.pressroom.test>",
    "Auto-Submitted": "auto-generated",
  },
  messageId: "<0123456789abcdef01234567@home-office.pressroom.test>",
};

describe("raw message", () => {
  it("carries every header and both parts as a mail reader reads them", async () => {
    const at = new Date("2026-11-30T10:00:00Z");
    const { envelope, raw } = buildRawMessage(base, at);
    expect(envelope).toEqual({ from: "alerts@pressroom.test", to: ["alice@example.org"] });
    const parsed = await simpleParser(raw);
    expect(parsed.subject).toBe(base.subject);
    expect(parsed.messageId).toBe(base.messageId);
    expect(parsed.date?.toISOString()).toBe(at.toISOString());
    expect(parsed.from?.value).toEqual([{ name: "Pressroom", address: "alerts@pressroom.test" }]);
    expect(parsed.text).toBe("A new release matches your topics.\n");
    expect(parsed.html).toBe(base.html);
    for (const [name, value] of Object.entries(base.headers)) {
      expect(parsed.headerLines.find((h) => h.key === name.toLowerCase())?.line.replace(/\r\n[ \t]/g, " ")).toBe(`${name}: ${value}`);
    }
    expect(raw.toString("utf8")).toContain("MIME-Version: 1.0\r\n");
  });

  it("encodes non-ASCII names and subjects, keeps lines short and bare newlines out", async () => {
    const text = `Café «asylum» — ${"long words ".repeat(40)}\n.a line starting with a dot\n`;
    const message = { ...base, from: "Préssroom, Home Office <alerts@pressroom.test>", subject: "[Pressroom] Réfugiés et «small boats»", text, html: `<p>${text}</p>` };
    const { raw } = buildRawMessage(message);
    const wire = raw.toString("utf8");
    expect(wire).toMatch(/^[\x00-\x7f]*$/);
    for (const line of wire.split("\r\n")) expect(line.length).toBeLessThanOrEqual(998);
    expect(wire.replace(/\r\n/g, "")).not.toMatch(/[\r\n]/);
    const parsed = await simpleParser(raw);
    expect(parsed.subject).toBe(message.subject);
    expect(parsed.from?.value).toEqual([{ name: "Préssroom, Home Office", address: "alerts@pressroom.test" }]);
    expect(parsed.text).toBe(text);
  });

  it("refuses a message it cannot address, as a permanent failure", () => {
    for (const bad of [{ to: "" }, { from: "" }]) {
      const error = (() => {
        try {
          buildRawMessage({ ...base, ...bad });
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(MailSendError);
      expect((error as MailSendError).permanent).toBe(true);
    }
  });
});
