import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { renderIndexPage } from "../../src/server/index-page.js";

const page = (schedule: Record<string, string>) => renderIndexPage(parseConfig({ schedule }), { subscriptionFeeds: [], archives: [] });

describe("index page subscribe form", () => {
  it("names the digest times of the default schedule", () => {
    const html = page({});
    expect(html).toContain('<option value="daily">Daily digest (08:30 London)</option>');
    expect(html).toContain('<option value="weekly">Weekly digest (Monday 08:30 London)</option>');
  });

  it("names the configured digest times, and none it cannot put in words", () => {
    const html = page({ dailyDigest: "0 18 * * *", weeklyDigest: "0 9 * * 1#1" });
    expect(html).toContain('<option value="daily">Daily digest (18:00 London)</option>');
    expect(html).toContain('<option value="weekly">Weekly digest</option>');
  });
});
