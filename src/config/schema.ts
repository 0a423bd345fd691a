import { z } from "zod";
import { MAX_ID_CHARS, MAX_QUERY_CHARS } from "../core/limits.js";

/** Source ids and topic feed names: they appear in file names, URLs, `status` and /metrics. */
const id = z.string()
  .min(1, "must not be empty")
  .max(MAX_ID_CHARS, { error: (issue) => `at most ${MAX_ID_CHARS} characters (got ${String(issue.input).length})` })
  .regex(/^[a-z0-9][a-z0-9_-]*$/, "use lower-case letters, digits, - and _, starting with a letter or digit");

/** Only http and https URLs can be fetched or served under. */
const httpUrl = z.url({ protocol: /^https?$/, error: "use an http:// or https:// URL" });

const query = z.string()
  .min(1, "the query is empty")
  .max(MAX_QUERY_CHARS, { error: (issue) => `query too long: ${String(issue.input).length} characters, at most ${MAX_QUERY_CHARS}` });

export const dumpSourceSchema = z.object({
  id,
  type: z.literal("dump"),
  /** A file, a folder (inbox), or a glob such as `inbox/*.txt`. */
  path: z.string().min(1).optional(),
  url: httpUrl.optional(),
  department: z.string().optional(),
}).refine((s) => Boolean(s.path) !== Boolean(s.url), { message: "a dump source needs exactly one of path or url" });

export const feedSourceSchema = z.object({
  id,
  type: z.literal("feed"),
  url: httpUrl,
  /** Keep only these kinds (after normalisation), e.g. [press-release, speech, news-story]. */
  kinds: z.array(z.string()).optional(),
  department: z.string().default("Home Office"),
});

export const govukSearchSourceSchema = z.object({
  id,
  type: z.literal("govuk-search"),
  /** Base URL of GOV.UK (tests point it at a loopback server). */
  url: httpUrl.default("https://www.gov.uk"),
  organisation: z.string().default("home-office"),
  /** GOV.UK content_purpose_supergroup filter. */
  supergroup: z.string().default("news_and_communications"),
  count: z.number().int().min(1).max(1000).default(50),
  /** Requests per second; GOV.UK's documented limit is 10. */
  rateLimit: z.number().positive().max(10).default(3),
});

export const htmlSourceSchema = z.object({
  id,
  type: z.literal("html"),
  url: httpUrl,
  department: z.string().default("Home Office"),
  kind: z.string().default("press-release"),
  listing: z.object({
    item: z.string(),
    link: z.string(),
    title: z.string().optional(),
    date: z.string().optional(),
  }),
  article: z.object({
    title: z.string(),
    date: z.string().optional(),
    summary: z.string().optional(),
    body: z.string(),
  }),
  maxArticles: z.number().int().positive().default(20),
});

export const sourceSchema = z.discriminatedUnion("type", [
  dumpSourceSchema,
  feedSourceSchema,
  govukSearchSourceSchema,
  htmlSourceSchema,
]);

export const frequencySchema = z.enum(["immediate", "daily", "weekly"]);

/** Digests go out at 08:30 Europe/London: daily every day, weekly on Mondays. */
export const DEFAULT_DIGEST_SCHEDULE = { dailyDigest: "30 8 * * *", weeklyDigest: "30 8 * * 1" } as const;

export const configSchema = z.object({
  sources: z.array(sourceSchema).default([]),
  feeds: z.object({
    title: z.string().default("Pressroom: Home Office releases"),
    /** Public base URL the feeds and links are served under. */
    baseUrl: httpUrl.default("http://localhost:8080"),
    entries: z.number().int().min(1).max(1000).default(50),
    topics: z.array(z.object({ name: id, title: z.string().optional(), query })).default([]),
    websubHub: httpUrl.optional(),
  }).prefault({}),
  schedule: z.object({
    cron: z.string().default("*/15 * * * *"),
    timezone: z.string().default("Europe/London"),
    dailyDigest: z.string().default(DEFAULT_DIGEST_SCHEDULE.dailyDigest),
    weeklyDigest: z.string().default(DEFAULT_DIGEST_SCHEDULE.weeklyDigest),
  }).prefault({}),
  server: z.object({
    port: z.number().int().min(0).max(65535).default(8080),
    host: z.string().default("127.0.0.1"),
    /** Addresses of reverse proxies whose `X-Forwarded-For` is believed (exact IPs). */
    trustProxy: z.array(z.string().min(1)).default([]),
    /** Open connections at most; more are refused. */
    maxConnections: z.number().int().min(1).max(1_000_000).default(1024),
    /** A request's headers must arrive within this (else 408). */
    headersTimeoutSeconds: z.number().int().min(1).max(600).default(10),
    /** A whole request (headers and body) must arrive within this (else 408). */
    requestTimeoutSeconds: z.number().int().min(1).max(3600).default(30),
    /** Live topic feeds computed at once; more get 503 with Retry-After. */
    maxLiveQueries: z.number().int().min(1).max(10_000).default(64),
    /** Memory for cached feed documents (bytes and gzip), in MB. */
    feedCacheMB: z.number().int().min(1).max(65_536).default(64),
    /** Confirmation emails sent at most per hour, over every address (all instances on PostgreSQL). */
    confirmationsPerHour: z.number().int().min(1).max(1_000_000).default(200),
  }).prefault({}),
  mail: z.object({
    from: z.string().default("Pressroom <alerts@pressroom.invalid>"),
    listId: z.string().default("home-office.pressroom.invalid"),
    unsubscribeMailto: z.string().default("unsubscribe@pressroom.invalid"),
    /** How long a sender's claim on queued alerts lasts; a sender that dies gives its alerts back after this. */
    claimLeaseSeconds: z.number().int().min(1).max(3600).default(300),
    /** SMTP connections used at once to send alerts and digests. */
    connections: z.number().int().min(1).max(64).default(4),
    /** Cap on messages sent per second by this instance (providers throttle); none by default. */
    ratePerSecond: z.number().positive().optional(),
  }).prefault({}),
  subscriptions: z.array(z.object({
    email: z.string(),
    topics: z.array(z.object({
      query,
      frequency: frequencySchema.default("immediate"),
      revisions: z.boolean().default(false),
    })),
  })).default([]),
  concurrency: z.number().int().min(1).max(16).default(4),
  /** Where the state lives: absent, the state folder (lowdb); `url`, a PostgreSQL database (PRESSROOM_DATABASE_URL wins). */
  store: z.object({
    url: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL").optional(),
  }).prefault({}),
});

export type Config = z.infer<typeof configSchema>;
export type SourceConfig = z.infer<typeof sourceSchema>;
export type DumpSourceConfig = z.infer<typeof dumpSourceSchema>;
export type FeedSourceConfig = z.infer<typeof feedSourceSchema>;
export type GovukSearchSourceConfig = z.infer<typeof govukSearchSourceSchema>;
export type HtmlSourceConfig = z.infer<typeof htmlSourceSchema>;
