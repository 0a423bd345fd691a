import { describe, expect, it } from "vitest";
import { composeConfirmation } from "../../src/server/index.js";

const input = { to: "a@example.org", query: "asylum", frequency: "immediate" as const, token: "AbCdEfGhIjKlMnOpQrStUvWxYz012345", baseUrl: "http://pressroom.test", from: "Pressroom <alerts@pressroom.test>", listId: "home-office.pressroom.test" };

describe("confirmation email", () => {
  it("has a Message-ID unrelated to the token (and new each time)", () => {
    const a = composeConfirmation(input);
    const b = composeConfirmation(input);
    expect(a.messageId).toMatch(/^<confirm-[A-Za-z0-9_-]{22}@home-office\.pressroom\.test>$/);
    expect(a.messageId).not.toBe(b.messageId);
    for (let i = 0; i + 6 <= input.token.length; i++) expect(a.messageId).not.toContain(input.token.slice(i, i + 6));
  });

  it("shows the topic a stranger typed without control or bidi-override characters", () => {
    const m = composeConfirmation({ ...input, query: "asylum\u202Eevil\u2066 x\u0000y\u009B" });
    for (const part of [m.text, m.html]) {
      expect(part).not.toMatch(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/);
      expect(part).toContain("asylum evil x y");
    }
  });
});
