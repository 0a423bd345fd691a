import { describe, expect, it } from "vitest";
import { signToken, unsubscribeUrl, verifyToken } from "../../src/mail/unsubscribe-token.js";

const secret = "s3cret-s3cret-s3cret";

describe("unsubscribe tokens", () => {
  it("round-trips with and without a topic", () => {
    expect(verifyToken(secret, signToken(secret, { email: "a@example.org" }))).toEqual({ email: "a@example.org" });
    const t = signToken(secret, { email: "a@example.org", topicId: "abc123" });
    expect(verifyToken(secret, t)).toEqual({ email: "a@example.org", topicId: "abc123" });
    expect(t).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  });

  it("is deterministic and never expires", () => {
    expect(signToken(secret, { email: "a@example.org" })).toBe(signToken(secret, { email: "a@example.org" }));
  });

  it("rejects forgeries", () => {
    const good = signToken(secret, { email: "a@example.org", topicId: "t1" });
    const [body, mac] = good.split(".") as [string, string];
    const otherBody = Buffer.from(JSON.stringify({ e: "victim@example.org" })).toString("base64url");
    const forged = [
      `${otherBody}.${mac}`, // payload swapped, old signature
      signToken("another-secret", { email: "a@example.org", topicId: "t1" }), // wrong key
      `${body}.${mac.slice(0, -2)}`, // truncated mac
      `${body}.${mac}A`, // extended mac
      `${body}.`,
      `.${mac}`,
      body,
      `${good}.x`,
      `${body}.${Buffer.alloc(32).toString("base64url")}`,
      "",
      "not a token",
      `${body}.${mac}`.replace(/^./, (c) => (c === "e" ? "f" : "e")), // one flipped char
    ];
    for (const token of forged) expect(verifyToken(secret, token)).toBeUndefined();
  });

  it("refuses an empty secret", () => {
    expect(() => signToken("", { email: "a@example.org" })).toThrow(/PRESSROOM_SECRET/);
  });

  it("builds the unsubscribe URL", () => {
    expect(unsubscribeUrl("https://p.test/", "ab.cd")).toBe("https://p.test/unsubscribe?token=ab.cd");
    expect(unsubscribeUrl("https://p.test/base", "x")).toBe("https://p.test/base/unsubscribe?token=x");
  });
});
