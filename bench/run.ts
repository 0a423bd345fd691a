/**
 * `npm run bench`: prints each benchmark's figures side by side and as ratios against its target.
 * Figures are wall-clock on this machine; compare ratios, not absolute numbers, across machines.
 */
import { benchDelivery, type ReleaseFigures } from "./delivery-bench.js";
import { benchGrowth } from "./growth-bench.js";
import { benchMatch } from "./match-bench.js";
import { benchParser } from "./parser-bench.js";
import { benchState } from "./state-bench.js";
import { limitHeapGrowth } from "../src/cli/heap-growth.js";

const fmt = (n: number, digits = 1) => n.toLocaleString("en-GB", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const verdict = (ok: boolean) => (ok ? "PASS" : "MISS");

async function main(): Promise<void> {
  const only = process.argv[2];
  if (!only || only === "parser") {
    const p = await benchParser();
    console.log(`parser   ${fmt(p.sizeMB)} MB synthetic dump, ${p.releases.toLocaleString("en-GB")} releases`);
    console.log(`         parseDump ${fmt(p.parserMBps)} MB/s · bare line split ${fmt(p.bareMBps)} MB/s · ratio ${fmt(p.ratio, 2)}× (target ≤ 3×: ${verdict(p.ratio <= 3)})`);
  }
  if (!only || only === "state") await benchState({ quick: process.argv.includes("--quick"), ...(process.argv[3] && !process.argv[3].startsWith("-") ? { only: process.argv[3] } : {}) });
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
    console.log(`         one plain tokenising pass over the same text: ${fmt(m.tokenizeMs)} ms · indexed matching = ${fmt(m.ratioToTokenize, 2)}× a tokenising pass (median of ${m.rounds} interleaved rounds; rounds ${fmt(m.ratioRange[0], 2)}–${fmt(m.ratioRange[1], 2)}×; target ≤ 3×: ${verdict(m.ratioToTokenize <= 3)}) · snippets ${fmt(m.snippetSubset.perMatch_us, 2)} µs/match when read`);
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
  // Not in the default set (several minutes, needs the SMTP child process): `npm run bench -- delivery`.
  if (only === "delivery") await printDelivery();
  // Not in the default set (seeds 100,000 releases per engine): `npm run bench -- search`.
  if (only === "search") await (await import("./search-bench.js")).benchSearch();
}

async function printDelivery(): Promise<void> {
  const databaseUrl = process.env.PRESSROOM_BENCH_DATABASE_URL || process.env.PRESSROOM_TEST_DATABASE_URL || undefined;
  // The delivery runs in this process (a run's match, enqueue and send) stand for CLI runs: the CLI's heap
  // growth. Only for them: the other references (parseDump alone, a tokenising pass) keep V8's default.
  limitHeapGrowth();
  const d = await benchDelivery({ ...(databaseUrl ? { databaseUrl } : {}) });
  const n = (x: number) => Math.round(x).toLocaleString("en-GB");
  console.log(`delivery ${n(d.subscribers)} subscriptions, ${n(d.topics)} topics, ${d.connections} SMTP connections, smtp-server storing nothing in a child process on loopback`);
  console.log(`         reference: plain nodemailer loop over one connection, ${n(d.reference.messages)} messages: ${fmt(d.reference.perSecond, 0)} emails/s`);
  for (const e of d.engines) {
    console.log(`  ${e.engine}: import ${n(e.importMs)} ms · read subscriptions ${n(e.loadMs)} ms · build matcher ${n(e.buildMs)} ms · peak RSS ${n(e.peakRssMB)} MB (target ≤ 400: ${verdict(e.peakRssMB <= 400)})`);
    const header = `${"alerts".padStart(7)}  ${"match ms".padStart(9)}  ${"enqueue ms".padStart(10)}  ${"deliver ms".padStart(10)}  ${"emails/s".padStart(8)}  ${"run→last accept".padStart(15)}  ${"ms/alert".padStart(8)}  ${"(to flush return)".padStart(17)}  vs reference`;
    const flatness = (round: readonly ReleaseFigures[]) => Math.max(...round.map((r) => r.perAlertMs)) / Math.min(...round.map((r) => r.perAlertMs));
    for (const [name, round] of [["first run of a fresh process (cold)", e.cold], ["found again by the same process, as a daemon's later runs (warm)", e.releases]] as const) {
      console.log(`    ${name}:`);
      console.log(`      ${header}`);
      for (const r of round) {
        const toReturn = (r.matchMs + r.enqueueMs + r.flushMs) / Math.max(1, r.alerts);
        console.log(`      ${n(r.alerts).padStart(7)}  ${fmt(r.matchMs).padStart(9)}  ${fmt(r.enqueueMs).padStart(10)}  ${n(r.deliverMs).padStart(10)}  ${n(r.perSecond).padStart(8)}  ${`${fmt(r.runToLastAcceptMs / 1000)} s`.padStart(15)}  ${fmt(r.perAlertMs, 3).padStart(8)}  ${fmt(toReturn, 3).padStart(17)}  ${fmt(r.perSecond / d.reference.perSecond, 2)}×`);
      }
    }
    console.log(`    (deliver: first claim to last acceptance; ms/alert: the release's match start to its last acceptance ÷ alerts, each release over a fresh transport; "to flush return": match + enqueue + the whole flush call)`);
    const coldLast = e.cold[e.cold.length - 1];
    const warmLast = e.releases[e.releases.length - 1];
    if (coldLast && warmLast) {
      const slowest = Math.max(coldLast.runToLastAcceptMs, warmLast.runToLastAcceptMs);
      const rate = Math.min(coldLast.perSecond, warmLast.perSecond);
      console.log(`    ${n(coldLast.alerts)} alerts accepted ${fmt(coldLast.runToLastAcceptMs / 1000)} s (cold) / ${fmt(warmLast.runToLastAcceptMs / 1000)} s (warm) after the run's start (target ≤ 60 s: ${verdict(slowest <= 60_000)}) · delivery rate ÷ reference ${fmt(coldLast.perSecond / d.reference.perSecond, 2)}× / ${fmt(warmLast.perSecond / d.reference.perSecond, 2)}× (target ≥ 1×: ${verdict(rate >= d.reference.perSecond)})`);
      console.log(`    cost per alert max ÷ min over ${e.releases.map((r) => n(r.alerts)).join(" / ")} alerts: warm ${fmt(flatness(e.releases), 2)}× (target ≤ 1.5×: ${verdict(flatness(e.releases) <= 1.5)}); cold ${fmt(flatness(e.cold), 2)}× (its first release also pays the process's one-off warm-up: ${fmt(((e.cold[0]?.perAlertMs ?? 0) - (e.releases[0]?.perAlertMs ?? 0)) * (e.cold[0]?.alerts ?? 0) / 1000, 1)} s more than the same alerts warm)`);
    }
    if (e.digests) {
      const g = e.digests;
      const once = g.recipients === g.subscribers && g.repeated === 0 && g.again === 0;
      console.log(`    digests: ${n(g.subscribers)} subscribers (half daily, half weekly), ${n(g.alerts)} alerts queued in ${n(g.enqueueMs)} ms; Monday 08:30: ${n(g.messages)} digests in ${fmt(g.deliverMs / 1000)} s (${n(g.perSecond)} emails/s) to ${n(g.recipients)} addresses, ${n(g.repeated)} twice, a second flush sent ${n(g.again)} (exactly once per period: ${verdict(once)}) · peak RSS of the evening run queueing them ${n(g.enqueuePeakRssMB)} MB, of the 08:30 run reading back and sending ${n(g.peakRssMB)} MB (each a process of its own; ≤ 400 as for the alerts: ${verdict(Math.max(g.enqueuePeakRssMB, g.peakRssMB) <= 400)})`);
    }
    if (e.instances) {
      const base = e.instances[0]?.perSecond ?? 1;
      console.log(`    senders sharing the outbox (one process each handle, ${d.connections} connections each): ${e.instances.map((i) => `${i.senders}: ${n(i.perSecond)} emails/s (${fmt(i.perSecond / base, 2)}×)`).join(" · ")}`);
    }
  }
  if (d.postgresSkipped) console.log(`  postgres: not run (${d.postgresSkipped}); lowdb only`);
}

main().then(async () => { if (process.argv[2] === "serve") await (await import("./serve-bench.js")).printServeBench(); }).catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
