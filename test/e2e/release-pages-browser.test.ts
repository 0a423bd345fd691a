import { existsSync } from "node:fs";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { storedRelease } from "../fixtures/feeds/stored-releases.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import { startServedState, type ServedState } from "../server/server-fixture.js";

const CHROMIUM = "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);

const revised = storedRelease({
  id: "tag:pressroom.invalid,2030-01-02:home-office/browser-revised",
  kind: "news-story",
  department: "Home Office",
  date: "2030-01-02",
  versions: [
    { at: "2030-01-02T09:00:00.000Z", title: "Border checks news", summary: "Checks at ports.", body: [{ type: "paragraph", text: "Checks start in March." }] },
    { at: "2030-01-03T16:45:00.000Z", title: "Border checks news", summary: "Checks at ports.", body: [{ type: "paragraph", text: "Checks start in April." }] },
  ],
});

describe.skipIf(!haveChromium)("release pages and the index in headless Chromium", () => {
  let s: ServedState;
  let browser: BrowserContext;
  let profile: Awaited<ReturnType<typeof makeTempDir>>;
  beforeAll(async () => {
    s = await startServedState();
    await s.store.commit({ releases: [revised], placements: [{ feed: "all", entry: { id: revised.id, date: revised.date, updatedAt: revised.updatedAt } }] });
    profile = await makeTempDir("pressroom-chromium-releases-");
    browser = await chromium.launchPersistentContext(join(profile.dir, "profile"), {
      executablePath: CHROMIUM,
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await s?.cleanup();
    await profile?.cleanup();
  });

  it("index → latest release → its page with the revision diff; the query help sits beside the live-feed box", async () => {
    const page = await browser.newPage();
    await page.goto(`${s.url}/`);
    expect(await page.locator("#query-help").isVisible()).toBe(true);
    expect(await page.locator("#query-help code", { hasText: "kind:speech" }).count()).toBe(1);
    const latest = page.locator("#latest a").first();
    expect(await latest.textContent()).toBe("Border checks news");
    await Promise.all([page.waitForURL(/\/releases\//), latest.click()]);
    expect(await page.textContent("h1")).toBe("Border checks news");
    expect(await page.textContent(".meta")).toBe("News story · Home Office · 2 January 2030");
    expect(await page.locator("del").first().textContent()).toBe("March.");
    expect(await page.locator("ins").first().textContent()).toBe("April.");
    expect(await page.locator("ol li h3").first().textContent()).toBe("Revised 3 January 2030, 16:45");
    // Readable: the inserted text is not struck through, the removed text is.
    expect(await page.locator("del").first().evaluate((e) => getComputedStyle(e).textDecorationLine)).toBe("line-through");
    expect(await page.locator("ins").first().evaluate((e) => getComputedStyle(e).textDecorationLine)).toBe("none");
    await page.close();
  });

  it("a dump release's feed link opens its page", async () => {
    const page = await browser.newPage();
    const feed = await (await fetch(`${s.url}/feeds/kinds/speech.atom`)).text();
    const link = /href="http:\/\/pressroom\.test(\/releases\/[^"]+)"/.exec(feed)?.[1];
    expect(link).toBeTruthy();
    const res = await page.goto(`${s.url}${link!.replace(/&amp;/g, "&")}`);
    expect(res?.status()).toBe(200);
    expect(await page.locator("h2", { hasText: "Revision history" }).count()).toBe(1);
    await page.close();
  });
});
