import { describe, expect, it } from "vitest";
import { isPressroomError } from "../../src/core/errors.js";
import { validateEmail } from "../../src/mail/validate-email.js";

describe("validateEmail", () => {
  it.each([
    ["Alice@Example.ORG", "alice@example.org"],
    ["  bob.smith+alerts@mail.example.co.uk ", "bob.smith+alerts@mail.example.co.uk"],
    ["o'neil@example.org", "o'neil@example.org"],
    ["x@xn--bcher-kva.example", "x@xn--bcher-kva.example"],
  ])("accepts %j as %j", (input, expected) => {
    expect(validateEmail(input)).toBe(expected);
  });

  it.each([
    ["a@example.org\r\nBcc: victim@example.org"],
    ["a@example.org\n"],
    ["a@example.org\r"],
    ["a\u0000@example.org"],
    ["a@exam\tple.org"],
    ["a@example.org\u2028"],
    ["no-at-sign.example.org"],
    ["two@@example.org"],
    ["a@b@example.org"],
    ["a b@example.org"],
    ["@example.org"],
    ["a@"],
    ["a@localhost"],
    ["a@-bad.example.org"],
    ["a@bad-.example.org"],
    ["a@exa_mple.org"],
    ["a@example.123"],
    ["a@example..org"],
    [".a@example.org"],
    ["a..b@example.org"],
    ["a@example.org, b@example.org"],
    ["Name <a@example.org>"],
    ["josé@example.org"],
    [""],
    ["   "],
    [`${"a".repeat(65)}@example.org`],
    [`a@${"b".repeat(250)}.org`],
  ])("rejects %j", (input) => {
    let caught: unknown;
    try {
      validateEmail(input);
    } catch (error) {
      caught = error;
    }
    expect(isPressroomError(caught, "SUBSCRIPTION_INVALID")).toBe(true);
    expect((caught as Error).message).toMatch(/^email address .* is not valid: /);
  });

  it("never returns a value with a control character", () => {
    for (let c = 0; c < 32; c++) {
      expect(() => validateEmail(`a${String.fromCharCode(c)}@example.org`)).toThrow();
    }
  });
});
