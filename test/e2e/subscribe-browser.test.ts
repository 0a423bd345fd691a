import { existsSync } from "node:fs";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../src/core/clock.js";
import { createMailTransport, signToken, topicId, type MailTransport } from "../../src/mail/index.js";
import { startSmtpSink, type SmtpSink } from "../helpers/smtp-sink.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import { SECRET, startServedState, type ServedState } from "../server/server-fixture.js";

const CHROMIUM = "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`skipping the browser test: ${CHROMIUM} is absent (apt-get install chromium)`);

let s: ServedState;
let sink: SmtpSink;
let transport: MailTransport;
let browser: BrowserContext;
let profile: Awaited<ReturnType<typeof makeTempDir>>;

describe.skipIf(!haveChromium)("subscribe and unsubscribe in headless Chromium", () => {
  beforeAll(async () => {
    sink = await startSmtpSink();
    transport = createMailTransport({ smtpUrl: sink.url, outboxDir: "/nonexistent", pool: false });
    s = await startServedState({ transport });
    profile = await makeTempDir("pressroom-chromium-");
    browser = await chromium.launchPersistentContext(join(profile.dir, "profile"), {
      executablePath: CHROMIUM,
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await s?.cleanup();
    await transport?.close();
    await sink?.close();
    await profile?.cleanup();
  });

  const subscriber = async (email: string) => {
    return s.store.subscriptions.get(email);
  };

  it("subscribe form → confirmation email → confirm → unsubscribe link → gone", async () => {
    const page = await browser.newPage();
    await page.goto(`${s.url}/`);
    expect(await page.locator('link[rel="alternate"][type="application/atom+xml"]').count()).toBeGreaterThanOrEqual(3);

    await page.fill("#email", "Browser.User@Example.org");
    await page.fill("#query", '"facial recognition" OR asylum');
    await page.selectOption("#frequency", "weekly");
    await Promise.all([page.waitForURL(`${s.url}/subscribe`), page.click('button:has-text("Subscribe")')]);
    expect(await page.textContent("h1")).toBe("Check your email");
    expect(await subscriber("browser.user@example.org")).toBeUndefined();

    const deadline = Date.now() + 10_000;
    while (sink.messages.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    const mail = sink.messages[0]!;
    expect(mail.to).toEqual(["browser.user@example.org"]);
    const link = /https?:\/\/\S+\/confirm\?token=\S+/.exec(mail.parsed.text ?? "")![0];
    expect(link.startsWith(`${s.url}/confirm?token=`)).toBe(true);

    await page.goto(link);
    expect(await subscriber("browser.user@example.org")).toBeUndefined();
    await Promise.all([page.waitForURL(`${s.url}/confirm`), page.click('button:has-text("Confirm subscription")')]);
    expect(await page.textContent("h1")).toBe("Subscribed");
    const confirmed = await subscriber("browser.user@example.org");
    expect(confirmed?.topics).toEqual([expect.objectContaining({ id: topicId('"facial recognition" OR asylum'), frequency: "weekly", query: '"facial recognition" OR asylum' })]);

    const token = signToken(SECRET, { email: "browser.user@example.org", topicId: topicId('"facial recognition" OR asylum') });
    await page.goto(`${s.url}/unsubscribe?token=${encodeURIComponent(token)}`);
    expect(await page.textContent("body")).toContain('alerts for "facial recognition" OR asylum');
    expect(await subscriber("browser.user@example.org")).toBeDefined();
    await page.click('button:has-text("Unsubscribe")');
    await page.waitForSelector('h1:has-text("Unsubscribed")');
    expect(await subscriber("browser.user@example.org")).toBeUndefined();
    await page.close();
  }, 60_000);

  it("shows a clear error page for a forged unsubscribe link", async () => {
    const page = await browser.newPage();
    const response = await page.goto(`${s.url}/unsubscribe?token=${encodeURIComponent(signToken("forged-secret-0123456789", { email: "x@example.org" }))}`);
    expect(response?.status()).toBe(400);
    expect(await page.textContent('[role="alert"]')).toMatch(/not valid/);
    await page.close();
  }, 30_000);
});
