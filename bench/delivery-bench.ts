/**
 * `npm run bench -- delivery`: alerts at scale against a real SMTP server (smtp-server, storing
 * nothing) in a child process on loopback. 100,000 subscriptions with 1–3 topics each (words,
 * phrases, boolean queries); three new releases matching ~1%, ~10% and ~50% of the addresses, found
 * twice by one process: first as a fresh process finds them (cold: code not yet optimised), then
 * again under new ids (warm: a daemon's later runs). Per engine and round: match, enqueue and
 * delivery time per release, the time from the run's start to the last
 * acceptance, peak RSS of the run's process over that engine's run (a child process generates and
 * imports the subscriptions beforehand: setting the bench up is not counted); every subscriber's
 * Monday 08:30 digest (daily and weekly), queued by a Sunday evening run and sent once by the 08:30
 * run, each a child process as cron runs are; the concurrent sender against a
 * plain one-connection nodemailer loop; on PostgreSQL, throughput with 1, 2 and 3 senders sharing
 * the outbox. The phases are the ones `runOnce` chains (loadSubscriberMatcher →
 * store.commit({deliveries}) → flushOutbox), called directly so each can be timed.
 */
import { type ChildProcess, fork } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import nodemailer from "nodemailer";
import { fixedClock } from "../src/core/clock.js";
import { canonicalId, contentHash } from "../src/core/ids.js";
import { silentLogger } from "../src/core/logger.js";
import type { StateStore } from "../src/core/ports.js";
import type { StoredRelease } from "../src/core/release.js";
import type { Delivery, Subscriber, Topic } from "../src/core/subscription.js";
import { composeAlert, createMailTransport, flushOutbox, type MailTransport, planDeliveries, topicId, type ComposeOptions } from "../src/mail/index.js";
import { createSubscriberMatcher, loadSubscriberMatcher } from "../src/pipeline/plan-alerts.js";
import { openState, type StateTarget } from "../src/store/index.js";
import { runBenchChild } from "./bench-child.js";
import { createFreshDatabase } from "./fresh-database.js";
import { limitHeapGrowth } from "../src/cli/heap-growth.js";
import { DEFAULT_DIGEST_SCHEDULE } from "../src/config/schema.js";

const NOW = "2026-11-30T10:00:00Z";
const COMPOSE: ComposeOptions = {
  from: "Pressroom <alerts@pressroom.invalid>",
  baseUrl: "https://pressroom.invalid",
  listId: "home-office.pressroom.invalid",
  unsubscribeMailto: "unsubscribe@pressroom.invalid",
  secret: "bench-secret-0123456789abcdef",
};

export interface DeliveryBenchOptions {
  readonly subscribers?: number;
  /** SMTP connections of the concurrent sender (mail.connections). */
  readonly connections?: number;
  /** Messages of the one-connection reference loop. */
  readonly referenceMessages?: number;
  /** Deliveries per sender-count run on PostgreSQL. */
  readonly instanceMessages?: number;
  /** PostgreSQL admin URL (a role that may create databases); none: lowdb only. */
  readonly databaseUrl?: string;
  /** Subscribers of the digest case (default: all of them; 0 skips it). */
  readonly digestSubscribers?: number;
}

export interface ReleaseFigures {
  readonly label: string;
  readonly alerts: number;
  readonly matchMs: number;
  readonly enqueueMs: number;
  readonly deliverMs: number;
  /** From the run's start (subscriptions read, matcher built) to the server's last acceptance. */
  readonly runToLastAcceptMs: number;
  readonly perSecond: number;
  /**
   * From the release's match starting to the server's last acceptance, ÷ alerts, in ms: match +
   * enqueue + (first claim to last acceptance). Each release is sent over a transport of its own
   * (connections opened cold, as in a run that found only this release). The run's fixed cost of
   * reading the subscriptions and building the matcher (`loadMs`) is not spread over the alerts;
   * it is in `runToLastAcceptMs`.
   */
  readonly perAlertMs: number;
  /** The flush call's own duration (to its return, after the last acceptance: the last acks and giving claims back). */
  readonly flushMs: number;
}

/** The 08:30 daily and Monday weekly digests going out together. */
export interface DigestFigures {
  /** Subscribers with a digest due: half daily, half weekly, each with DIGEST_RELEASES.length alerts. */
  readonly subscribers: number;
  readonly alerts: number;
  readonly enqueueMs: number;
  /** From the flush's start to the server's last acceptance. */
  readonly deliverMs: number;
  readonly perSecond: number;
  /** Messages accepted, distinct recipients, acceptances for a recipient already served. */
  readonly messages: number;
  readonly recipients: number;
  readonly repeated: number;
  /** Messages a second flush in the same period sent (exactly once per period: 0). */
  readonly again: number;
  /** Peak RSS while the evening run planned and queued the 200,000 deliveries in one commit. */
  readonly enqueuePeakRssMB: number;
  /** Peak RSS of the 08:30 run: reading the queue back and sending the digests. */
  readonly peakRssMB: number;
}

export interface EngineFigures {
  readonly engine: "lowdb" | "postgres";
  readonly importMs: number;
  readonly topics: number;
  readonly loadMs: number;
  readonly buildMs: number;
  /**
   * The three releases as the first run of a fresh process finds them (a cron `pressroom run`, or a
   * daemon's first cycle): its code is not optimised yet, so its first alerts cost more.
   */
  readonly cold: ReleaseFigures[];
  /** The same three releases (under new ids) found again by the same process: a daemon's later runs. */
  readonly releases: ReleaseFigures[];
  readonly peakRssMB: number;
  /** PostgreSQL: messages/s with 1, 2, 3 senders sharing the outbox. */
  readonly instances?: { senders: number; messages: number; perSecond: number }[];
  readonly digests?: DigestFigures;
}

export interface DeliveryBenchResult {
  readonly subscribers: number;
  readonly topics: number;
  readonly connections: number;
  readonly reference: { messages: number; perSecond: number };
  readonly engines: EngineFigures[];
  readonly postgresSkipped?: string;
}

// ---- subscriptions -------------------------------------------------------------------------

function createRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Topics of a theme: words, phrases and boolean queries that match its release. */
const THEMES = {
  rare: ["firearms", '"shotgun certificates"', "firearms AND licensing", "shotgun OR firearms", '"firearms licensing" AND NOT asylum'],
  tenth: ["knife", '"knife crime"', "knife AND weapons", "surrender OR seized", '"knife crime" AND NOT firearms', "weapons AND (youth OR violence)"],
  half: ["asylum", '"small boats"', "asylum AND hotels", "smuggling OR crossings", '"illegal migration" AND NOT firearms', "channel AND (gangs OR france)", "title:asylum"],
};
/** Words found in none of the bench releases: the topics nobody matches this time. */
const OTHER = ("passport visa fraud cyber terrorism extremism drugs slavery fire rescue airport biometric citizenship sponsorship " +
  "football protest antisocial shoplifting burglary neighbourhood cctv stalking spiking prisons probation gambling alcohol " +
  "licensing-hours festival olympics vetting recruitment pensions scanners drones ransomware phishing counterfeit tobacco " +
  "vaping cannabis heroin cocaine ketamine graffiti littering fireworks dangerous-dogs xl-bully hunting poaching badgers " +
  "wildlife railway motorway speeding seatbelts mobile-phones insurance mortgages students graduates nurses doctors carers " +
  "seasonal-workers farmers fishermen ukraine afghanistan hong-kong sudan syria eritrea albania vietnam iran iraq")
  .split(" ").map((w) => w.replace(/-/g, " "));

function otherQuery(random: () => number): string {
  const w = () => OTHER[Math.floor(random() * OTHER.length)]!;
  const word = () => { const x = w(); return x.includes(" ") ? `"${x}"` : x; };
  const r = random();
  if (r < 0.4) return word();
  if (r < 0.55) return `"${w()} ${w()}"`;
  if (r < 0.75) return `${word()} AND ${word()}`;
  if (r < 0.9) return `${word()} OR ${word()}`;
  return `${word()} AND NOT ${word()}`;
}

export function makeSubscribers(n: number, seed = 9): Subscriber[] {
  const random = createRandom(seed);
  const at = "2026-01-01T00:00:00.000Z";
  const out: Subscriber[] = [];
  for (let i = 0; i < n; i++) {
    const r = random();
    const theme = r < 0.01 ? THEMES.rare : r < 0.11 ? THEMES.tenth : r < 0.61 ? THEMES.half : undefined;
    const queries = new Set<string>();
    if (theme) queries.add(theme[Math.floor(random() * theme.length)]!);
    const total = 1 + Math.floor(random() * 3);
    while (queries.size < total) queries.add(otherQuery(random));
    const topics: Topic[] = [...queries].map((query) => ({ id: topicId(query), query, frequency: "immediate", revisions: false, createdAt: at }));
    out.push({ email: `reader${i}@bench.invalid`, topics, createdAt: at, origin: "web" });
  }
  return out;
}

// ---- releases ------------------------------------------------------------------------------

function makeRelease(label: string, title: string, paragraphs: string[]): StoredRelease {
  const date = "2026-11-30";
  const body = paragraphs.map((text) => ({ type: "paragraph" as const, text }));
  const base = { id: canonicalId("Home Office", date, title), title, kind: "press-release", department: "Home Office", date, summary: paragraphs[0]!, body, url: `https://www.gov.uk/government/news/${label}` };
  const hash = contentHash(base);
  return { ...base, firstSeenAt: NOW, updatedAt: NOW, hash, revisions: [{ hash, recordedAt: NOW, title, summary: base.summary, body }], provenance: [{ sourceId: "bench", origin: "dump", firstSeenAt: NOW, lastHash: hash }] };
}

export const RELEASES = [
  makeRelease("firearms", "Firearms licensing rules tightened after review", [
    "Shotgun certificates and firearms licensing will be brought together under one regime, the Home Office said today.",
    "Applicants will face stricter checks, and police will share medical information before a certificate is granted.",
  ]),
  makeRelease("knives", "Knife crime action week takes thousands of weapons off the streets", [
    "Police forces seized or received through surrender bins more than 10,000 knives and other weapons during the week of action on knife crime.",
    "The Policing Minister said youth violence was falling in the areas where officers worked with schools.",
  ]),
  makeRelease("boats", "Plan to close asylum hotels and stop the small boats", [
    "The Home Secretary set out a plan to end the use of asylum hotels and stop the small boats crossing the Channel.",
    "Smuggling gangs behind illegal migration will be pursued with France and other partners, and crossings will fall.",
    "The plan also speeds up decisions so that people with no right to stay are returned.",
  ]),
];

/** Two releases found on a Sunday evening: every digest subscriber's Monday digest lists both. */
const DIGEST_RELEASES = [
  makeRelease("digest-visas", "Visa fees set for the coming year", ["Visa fees for the coming year were set out today.", "Students and workers will pay the new fees from April."]),
  makeRelease("digest-passports", "Passport office clears its backlog", ["The passport office has cleared its backlog ahead of the summer.", "Most applications are now decided within three weeks."]),
];
/** Sunday 20:00 London: the digests are due at 08:30 on Monday, daily and weekly alike. */
const DIGEST_FOUND = "2026-12-06T20:00:00Z";
const DIGEST_DUE = "2026-12-07T08:30:30Z";

/** Every `n` subscriber's deliveries of DIGEST_RELEASES: even-numbered ones daily, odd-numbered ones weekly. */
function digestDeliveries(n: number): Delivery[] {
  const snippet = { text: "Visa fees for the coming year were set out today.", highlights: [[0, 4]] as [number, number][] };
  const topics = (["daily", "weekly"] as const).map((frequency) => ({ id: topicId(`digest ${frequency}`), query: `digest ${frequency}`, frequency, revisions: false }));
  const matches = Array.from({ length: n }, (_, i) => ({ subscriber: { email: `reader${i}@bench.invalid` }, topic: topics[i % 2]!, snippet }));
  const found = new Date(DIGEST_FOUND);
  return planDeliveries(DIGEST_RELEASES.map((release) => ({ release, revisionHash: release.hash, isRevision: false, matches })), found, DEFAULT_DIGEST_SCHEDULE);
}

// ---- SMTP server ---------------------------------------------------------------------------

interface ServerStats {
  readonly accepted: number;
  /** Unix ms of the last acceptance. */
  readonly lastAt: number;
  /** Distinct recipients of the accepted messages, and acceptances for a recipient seen before (since the last reset). */
  readonly recipients: number;
  readonly repeated: number;
}

interface NullServer {
  readonly url: string;
  stats(): Promise<ServerStats>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

async function startNullServer(): Promise<NullServer> {
  const here = dirname(fileURLToPath(import.meta.url));
  const child: ChildProcess = fork(join(here, "delivery-smtp-server.js"), [], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
  const next = <T>(pick: (m: Record<string, unknown>) => boolean) =>
    new Promise<T>((resolve) => {
      const on = (m: unknown) => {
        if (typeof m === "object" && m !== null && pick(m as Record<string, unknown>)) {
          child.off("message", on);
          resolve(m as T);
        }
      };
      child.on("message", on);
    });
  const { port } = await next<{ port: number }>((m) => "port" in m);
  return {
    url: `smtp://127.0.0.1:${port}`,
    async stats() {
      const reply = next<ServerStats>((m) => "accepted" in m);
      child.send("stats");
      return reply;
    },
    async reset() {
      const reply = next((m) => "reset" in m);
      child.send("reset");
      await reply;
    },
    async close() {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.send("close");
      await exited;
    },
  };
}

/** The reference: nodemailer over one pooled connection, one message after another. */
async function referenceLoop(server: NullServer, messages: number, sample: Delivery): Promise<{ messages: number; perSecond: number }> {
  const transporter = nodemailer.createTransport({ url: server.url, pool: true, maxConnections: 1, maxMessages: Number.POSITIVE_INFINITY } as Parameters<typeof nodemailer.createTransport>[0]);
  const composed = composeAlert([{ ...sample, batchId: "ref", messageId: "<ref@pressroom.invalid>" }], COMPOSE);
  const mail = { from: composed.from, to: composed.to, subject: composed.subject, text: composed.text, html: composed.html, headers: composed.headers };
  await server.reset();
  const t0 = Date.now();
  for (let i = 0; i < messages; i++) await transporter.sendMail({ ...mail, messageId: `<ref-${i}@pressroom.invalid>` });
  const { lastAt } = await server.stats();
  transporter.close();
  return { messages, perSecond: messages / ((lastAt - t0) / 1000) };
}

// ---- engines -------------------------------------------------------------------------------

/**
 * Peak RSS of this process since the last `resetPeakRss` (Linux: VmHWM, reset through
 * /proc/self/clear_refs), so each engine and the digest case report their own peak rather than
 * the whole bench's; elsewhere the process's lifetime peak.
 */
function rssMB(): number {
  try {
    const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync("/proc/self/status", "utf8"));
    if (hwm) return Number(hwm[1]) / 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS / 1024;
}

function resetPeakRss(): void {
  try {
    writeFileSync("/proc/self/clear_refs", "5");
  } catch {
    // not Linux: the lifetime peak is reported
  }
}

/** In the child: generates the `n` subscriptions and imports them, then prints how long it took. */
async function importChild(targetJson: string, n: number): Promise<void> {
  const store = await openState(JSON.parse(targetJson) as StateTarget, { clock: fixedClock(NOW), log: silentLogger });
  const t = performance.now();
  let topics = 0;
  await store.importRecords((async function* () {
    for (const subscriber of makeSubscribers(n)) {
      topics += subscriber.topics.length;
      yield { type: "subscriber" as const, subscriber };
    }
  })());
  const importMs = performance.now() - t;
  await store.close();
  process.stdout.write(`${JSON.stringify({ importMs, topics })}\n`);
}

interface DigestQueueFigures {
  readonly alerts: number;
  readonly enqueued: number;
  readonly enqueueMs: number;
  readonly peakRssMB: number;
}

interface DigestSendFigures {
  readonly sent: number;
  /** Unix ms when the flush started. */
  readonly startUnix: number;
  /** Messages a second flush in the same period sent. */
  readonly again: number;
  readonly peakRssMB: number;
}

/** In a child: the Sunday evening run, planning and queueing every digest subscriber's deliveries in one commit. */
async function digestQueueChild(targetJson: string, subscribers: number): Promise<void> {
  const store = await openState(JSON.parse(targetJson) as StateTarget, { clock: fixedClock(DIGEST_FOUND), log: silentLogger });
  const planned = digestDeliveries(subscribers);
  const t = performance.now();
  const committed = await store.commit({ releases: DIGEST_RELEASES, deliveries: planned });
  const figures: DigestQueueFigures = { alerts: planned.length, enqueued: committed.enqueued, enqueueMs: performance.now() - t, peakRssMB: rssMB() };
  await store.close();
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

/** In a child: the 08:30 run, reading the queue back and sending the digests, then a second flush in the same period. */
async function digestSendChild(targetJson: string, smtpUrl: string, connections: number): Promise<void> {
  const clock = fixedClock(DIGEST_DUE);
  const store = await openState(JSON.parse(targetJson) as StateTarget, { clock, log: silentLogger });
  const transport = createMailTransport({ smtpUrl, outboxDir: "/nonexistent", connections });
  const startUnix = Date.now();
  const flushed = await flushOutbox({ outbox: store.outbox, owner: "bench-digest", transport, clock, log: silentLogger, compose: COMPOSE, connections });
  const again = await flushOutbox({ outbox: store.outbox, owner: "bench-digest", transport, clock, log: silentLogger, compose: COMPOSE, connections });
  const figures: DigestSendFigures = { sent: flushed.sent, startUnix, again: again.messages, peakRssMB: rssMB() };
  await transport.close();
  await store.close();
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

/** Runs this file in a child process with `args` and gives the JSON of its last line. */
async function runChild<T>(args: readonly string[]): Promise<T> {
  return (await runBenchChild<T>(fileURLToPath(import.meta.url), args)).value;
}

async function benchEngine(engine: "lowdb" | "postgres", target: StateTarget, server: NullServer, n: number, connections: number, instanceMessages: number, digestSubscribers: number): Promise<EngineFigures> {
  const clock = fixedClock(NOW);
  const open = () => openState(target, { clock, log: silentLogger });
  // Setting the bench up is not part of the run: the subscriptions are imported in a child process,
  // and the run's process (this one) then reports its own peak RSS.
  const { importMs, topics } = await runChild<{ importMs: number; topics: number }>(["import", JSON.stringify(target), String(n)]);
  let store: StateStore;
  let t: number;

  // One process, as a run: read the subscriptions, build the matcher, then per release match,
  // enqueue in one commit, flush.
  globalThis.gc?.();
  resetPeakRss();
  store = await open();
  t = performance.now();
  // As runOnce: the matcher is built page by page from the store (reading and building interleave,
  // so "read subscriptions" is the whole and "build matcher" is 0).
  // As runOnce: a new release makes the matcher open the run's SMTP connections (`warm`) as it starts matching.
  let transport: MailTransport | undefined;
  let matcher: Awaited<ReturnType<typeof loadSubscriberMatcher>> | undefined = await loadSubscriberMatcher(store.subscriptions, { digests: DEFAULT_DIGEST_SCHEDULE, onMailLikely: () => transport?.warm?.() });
  const loadMs = performance.now() - t;
  const buildMs = 0;
  const cold: ReleaseFigures[] = [];
  const releases: ReleaseFigures[] = [];
  const rounds = [
    { figures: cold, releases: RELEASES },
    { figures: releases, releases: RELEASES.map((r) => ({ ...r, id: `${r.id}-again` })) },
  ];
  for (const round of rounds) for (const release of round.releases) {
    await server.reset();
    // A transport of its own per release: its connections are opened cold, as in a run that found
    // only this release (runs are minutes apart, longer than servers keep idle connections).
    transport = createMailTransport({ smtpUrl: server.url, outboxDir: "/nonexistent", connections });
    const releaseStartUnix = Date.now();
    t = performance.now();
    const deliveries = matcher.plan([{ type: "new", item: {} as never, release }], clock.now());
    const matchMs = performance.now() - t;
    t = performance.now();
    const committed = await store.commit({ releases: [release], deliveries });
    const enqueueMs = performance.now() - t;
    const deliverStartUnix = Date.now();
    t = performance.now();
    const flushed = await flushOutbox({ outbox: store.outbox, owner: `bench-${engine}`, transport, clock, log: silentLogger, compose: COMPOSE, connections });
    const deliverMs = performance.now() - t;
    await transport.close();
    transport = undefined;
    const { accepted, lastAt } = await server.stats();
    if (accepted !== committed.enqueued || flushed.messages !== committed.enqueued) {
      throw new Error(`delivery bench: ${committed.enqueued} queued, ${flushed.messages} sent, ${accepted} accepted`);
    }
    round.figures.push({
      label: release.title,
      alerts: committed.enqueued,
      matchMs,
      enqueueMs,
      deliverMs: lastAt - deliverStartUnix,
      // As a run that found only this release: read subscriptions, build, match, enqueue, send.
      runToLastAcceptMs: loadMs + buildMs + (lastAt - releaseStartUnix),
      perSecond: accepted / ((lastAt - deliverStartUnix) / 1000),
      perAlertMs: (lastAt - releaseStartUnix) / Math.max(1, committed.enqueued),
      flushMs: deliverMs,
    });
    // No forced gc between releases: a daemon never forces one, and the next release's flush paid
    // for it (945 alerts warm, lowdb: 0.78-0.82 ms each without it, 1.09-1.11 ms after a gc).
  }
  const peakRssMB = rssMB();
  // Several daemons sharing one outbox (PostgreSQL, below): copies of the 10% release's deliveries.
  const template = engine === "postgres" ? matcher.plan([{ type: "new", item: {} as never, release: RELEASES[1]! }], clock.now())[0] : undefined;
  // As runOnce: a run that finds nothing new (the 08:30 digest run) never builds the matcher.
  matcher = undefined;

  let digests: DigestFigures | undefined;
  if (digestSubscribers > 0) {
    // The Sunday evening run that queues the digests and the 08:30 run that sends them are cron
    // runs, each a process of its own: each reports its own peak RSS. (Measured in this process
    // instead, its RSS after the alerts is the floor: after a gc, 311 MB of it held 43 MB of heap.)
    await store.close();
    const queued = await runChild<DigestQueueFigures>(["digest-queue", JSON.stringify(target), String(digestSubscribers)]);
    await server.reset();
    const sent = await runChild<DigestSendFigures>(["digest-send", JSON.stringify(target), server.url, String(connections)]);
    const { accepted, lastAt, recipients, repeated } = await server.stats();
    if (queued.enqueued !== queued.alerts || sent.sent !== queued.alerts || accepted !== digestSubscribers) {
      throw new Error(`delivery bench: digests: ${queued.alerts} planned, ${queued.enqueued} queued, ${sent.sent} sent in ${accepted} messages for ${digestSubscribers} subscribers`);
    }
    digests = {
      subscribers: digestSubscribers,
      alerts: queued.alerts,
      enqueueMs: queued.enqueueMs,
      deliverMs: lastAt - sent.startUnix,
      perSecond: accepted / ((lastAt - sent.startUnix) / 1000),
      messages: accepted,
      recipients,
      repeated,
      again: sent.again,
      enqueuePeakRssMB: queued.peakRssMB,
      peakRssMB: sent.peakRssMB,
    };
    store = await open();
  }

  let instances: EngineFigures["instances"];
  if (template) {
    instances = [];
    for (const senders of [1, 2, 3]) {
      const copies = Array.from({ length: instanceMessages }, (_, i): Delivery => ({ ...template, id: `inst${senders}-${i}`, email: `reader${i}@bench.invalid` }));
      await store.outbox.enqueue(copies);
      await server.reset();
      const handles = await Promise.all(Array.from({ length: senders }, () => open()));
      const transports = handles.map(() => createMailTransport({ smtpUrl: server.url, outboxDir: "/nonexistent", connections }));
      const t0 = Date.now();
      await Promise.all(handles.map((h, k) => flushOutbox({ outbox: h.outbox, owner: `bench-sender-${k}`, transport: transports[k]!, clock, log: silentLogger, compose: COMPOSE, connections })));
      const { accepted, lastAt } = await server.stats();
      for (const tr of transports) await tr.close();
      for (const h of handles) await h.close();
      instances.push({ senders, messages: accepted, perSecond: accepted / ((lastAt - t0) / 1000) });
    }
  }
  await store.close();
  return { engine, importMs, topics, loadMs, buildMs, cold, releases, peakRssMB, ...(instances ? { instances } : {}), ...(digests ? { digests } : {}) };
}

export async function benchDelivery(options: DeliveryBenchOptions = {}): Promise<DeliveryBenchResult> {
  const n = options.subscribers ?? 100_000;
  const connections = options.connections ?? 4;
  const digestSubscribers = Math.min(n, options.digestSubscribers ?? n);
  const server = await startNullServer();
  try {
    // The first 200 of any generated set are the same (one seeded sequence).
    const sample = createSubscriberMatcher(makeSubscribers(200), { digests: DEFAULT_DIGEST_SCHEDULE }).plan([{ type: "new", item: {} as never, release: RELEASES[2]! }], new Date(NOW))[0]!;
    const reference = await referenceLoop(server, options.referenceMessages ?? 3_000, sample);
    const engines: EngineFigures[] = [];
    const dir = await mkdtemp(join(tmpdir(), "pressroom-bench-delivery-"));
    try {
      engines.push(await benchEngine("lowdb", { kind: "lowdb", dir }, server, n, connections, 0, digestSubscribers));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    let postgresSkipped: string | undefined;
    if (options.databaseUrl) {
      const db = await createFreshDatabase(options.databaseUrl);
      try {
        engines.push(await benchEngine("postgres", { kind: "postgres", url: db.url }, server, n, connections, options.instanceMessages ?? 5_000, digestSubscribers));
      } finally {
        await db.drop();
      }
    } else postgresSkipped = "no PRESSROOM_BENCH_DATABASE_URL or PRESSROOM_TEST_DATABASE_URL";
    return { subscribers: n, topics: engines[0]?.topics ?? 0, connections, reference, engines, ...(postgresSkipped ? { postgresSkipped } : {}) };
  } finally {
    await server.close();
  }
}

const children: Record<string, (args: readonly string[]) => Promise<void>> = {
  import: ([target, n]) => importChild(target!, Number(n)),
  "digest-queue": ([target, n]) => digestQueueChild(target!, Number(n)),
  "digest-send": ([target, url, connections]) => digestSendChild(target!, url!, Number(connections)),
};
const child = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1] ? children[process.argv[2] ?? ""] : undefined;
if (child) {
  limitHeapGrowth(); // each child stands for a CLI run, which sets this first
  child(process.argv.slice(3)).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
