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
    const n = (x: number) => x.toLocaleString("en-GB");
    const s = m.selectivity;
    console.log(`match    ${n(m.topics)} topics × ${n(m.releases)} releases: indexed ${fmt(m.indexedMs)} ms (${fmt(m.perRelease_us)} µs/release), build ${fmt(m.buildMs)} ms`);
    console.log(`         ${fmt(m.matchesPerRelease)} matches/release = ${fmt(s.meanPct, 2)}% of topics · per topic (on the naive subset): median ${fmt(s.medianPct, 2)}% of releases, p90 ${fmt(s.p90Pct, 2)}%, ${fmt(s.under1PctOfTopics)}% of topics match ≤ 1% (${fmt(s.zeroPctOfTopics)}% none)`);
    console.log(`         naive loop on ${n(m.naiveSubset.topics)} × ${n(m.naiveSubset.releases)}: ${fmt(m.naiveSubset.ms)} ms, projected to full size ${fmt(m.naiveProjectedMs / 1000)} s · indexed is ${fmt(m.speedupVsNaive)}× faster`);
    console.log(`         one plain tokenising pass over the same text: ${fmt(m.tokenizeMs)} ms · indexed matching = ${fmt(m.ratioToTokenize, 2)}× a tokenising pass · snippets ${fmt(m.snippetSubset.perMatch_us, 2)} µs/match when read`);
    console.log(`         per release as topics grow (same releases; naive measured at ${n(m.naiveSubset.topics)}, extrapolated linearly):`);
    console.log(`           ${"topics".padStart(7)}  ${"indexed µs".padStart(11)}  ${"matches".padStart(8)}  ${"naive µs".padStart(10)}  naive ÷ indexed`);
    m.scaling.indexed.forEach((row, i) => {
      const naive = m.scaling.naive[i];
      const naiveUs = naive ? `${fmt(naive.perRelease_us, 0)}${naive.measured ? " " : "*"}` : "–";
      const ratio = naive ? `${fmt(naive.perRelease_us / row.perRelease_us)}×` : "–";
      console.log(`           ${n(row.topics).padStart(7)}  ${fmt(row.perRelease_us).padStart(11)}  ${fmt(row.matchesPerRelease).padStart(8)}  ${naiveUs.padStart(10)}  ${ratio}`);
    });
    const c = m.scaling.naiveCheck;
    console.log(`           * extrapolated · check: naive measured at ${n(c.topics)} topics on ${n(c.releases)} releases ${fmt(c.perRelease_us, 0)} µs/release = ${fmt(c.perRelease_us / m.perRelease_us)}× indexed`);
    const first = m.scaling.indexed[0];
    const last = m.scaling.indexed[m.scaling.indexed.length - 1];
    if (first && last) {
      console.log(`         growth ${n(last.topics)} ÷ ${n(first.topics)} topics: indexed ${fmt(m.scaling.indexedGrowth, 2)}× · naive ${fmt(m.scaling.naiveGrowth, 2)}× (linear; measured check ${fmt(c.perRelease_us / (m.scaling.naive[0]?.perRelease_us ?? 1), 2)}×)`);
    }
  }
}

main().then(async () => { if (process.argv[2] === "serve") await (await import("./serve-bench.js")).printServeBench(); }).catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
