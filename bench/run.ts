/**
 * `npm run bench`: prints each benchmark's figures side by side and as ratios against its target.
 * Figures are wall-clock on this machine; compare ratios, not absolute numbers, across machines.
 */
import { benchGrowth } from "./growth-bench.js";
import { benchMatch } from "./match-bench.js";
import { benchParser } from "./parser-bench.js";

const fmt = (n: number, digits = 1) => n.toLocaleString("en-GB", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const verdict = (ok: boolean) => (ok ? "PASS" : "MISS");

async function main(): Promise<void> {
  const only = process.argv[2];
  if (!only || only === "parser") {
    const p = await benchParser();
    console.log(`parser   ${fmt(p.sizeMB)} MB synthetic dump, ${p.releases.toLocaleString("en-GB")} releases`);
    console.log(`         parseDump ${fmt(p.parserMBps)} MB/s · bare line split ${fmt(p.bareMBps)} MB/s · ratio ${fmt(p.ratio, 2)}× (target ≤ 3×: ${verdict(p.ratio <= 3)})`);
  }
  if (!only || only === "growth") {
    const g = await benchGrowth();
    console.log(`growth   run adding 1 release: ${fmt(g.smallMs)} ms on ${g.smallReleases} releases · ${fmt(g.largeMs)} ms on ${g.largeReleases.toLocaleString("en-GB")} releases · ratio ${fmt(g.ratio, 2)}× (target ≤ 1.5×: ${verdict(g.ratio <= 1.5)})`);
  }
  if (!only || only === "match") {
    const m = await benchMatch();
    console.log(`match    ${m.topics.toLocaleString("en-GB")} topics × ${m.releases.toLocaleString("en-GB")} releases: indexed ${fmt(m.indexedMs)} ms (${fmt(m.perRelease_us)} µs/release)`);
    console.log(`         naive loop on ${m.naiveSubset.topics.toLocaleString("en-GB")} × ${m.naiveSubset.releases.toLocaleString("en-GB")}: ${fmt(m.naiveSubset.ms)} ms, projected to full size ${fmt(m.naiveProjectedMs / 1000)} s · indexed is ${fmt(m.speedupVsNaive)}× faster`);
    console.log(`         one plain tokenising pass over the same text: ${fmt(m.tokenizeMs)} ms · indexed matching = ${fmt(m.ratioToTokenize, 2)}× a tokenising pass`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
