import { PressroomError } from "../core/errors.js";

const LOCAL_PART = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DOMAIN_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const TOP_LABEL = /^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]/;

function reject(input: string, why: string): never {
  const shown = JSON.stringify(input.length > 80 ? `${input.slice(0, 80)}…` : input)
    .replace(/[\u007F-\u009F\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  throw new PressroomError("SUBSCRIPTION_INVALID", `email address ${shown} is not valid: ${why}`);
}

/**
 * Validates an address for use as a recipient: returns it trimmed and lower-cased, or throws
 * `SUBSCRIPTION_INVALID`. Pragmatic rather than RFC-complete: a plain `local@domain.tld` with
 * ASCII characters only, no quoting, no comments, no display name, and never a control character
 * (CR or LF would let an address inject a header).
 */
export function validateEmail(input: string): string {
  if (typeof input !== "string") reject(String(input), "it is not text");
  if (CONTROL.test(input)) reject(input, "it contains a line break or control character");
  const email = input.trim().toLowerCase();
  if (email === "") reject(input, "it is empty");
  if (email.length > 254) reject(input, "it is longer than 254 characters");
  if (/\s/.test(email)) reject(input, "it contains a space");
  if (/[^\x21-\x7e]/.test(email)) reject(input, "use ASCII only (write an international domain in its xn-- form)");
  const at = email.indexOf("@");
  if (at < 0) reject(input, "it has no @");
  if (email.indexOf("@", at + 1) >= 0) reject(input, "it has more than one @");
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  if (local.length === 0 || local.length > 64) reject(input, "the part before @ must be 1 to 64 characters");
  if (!LOCAL_PART.test(local)) reject(input, "the part before @ has characters or dots that are not allowed");
  const labels = domain.split(".");
  if (labels.length < 2) reject(input, `the domain "${domain}" needs a dot, as in example.org`);
  if (!labels.every((label) => DOMAIN_LABEL.test(label))) reject(input, `the domain "${domain}" is not a valid host name`);
  if (!TOP_LABEL.test(labels[labels.length - 1]!)) reject(input, `the domain "${domain}" does not end in a top-level domain`);
  return email;
}
