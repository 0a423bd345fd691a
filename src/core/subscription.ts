export type Frequency = "immediate" | "daily" | "weekly";

export interface Topic {
  /** Stable id: hash of the normalised query (one topic per query per subscriber). */
  readonly id: string;
  readonly query: string;
  readonly frequency: Frequency;
  /** Alert again when a matched release is revised. */
  readonly revisions: boolean;
  readonly createdAt: string;
}

export interface Subscriber {
  /** Lower-cased, validated address; no CR/LF. */
  readonly email: string;
  readonly topics: readonly Topic[];
  readonly createdAt: string;
  /** `config` when seeded from config, `cli` or `web` otherwise. */
  readonly origin: "config" | "cli" | "web";
}

/** A pending web subscription awaiting double opt-in confirmation. */
export interface PendingSubscription {
  readonly token: string;
  readonly email: string;
  readonly query: string;
  readonly frequency: Frequency;
  readonly createdAt: string;
}

export type DeliveryStatus = "pending" | "sent" | "failed" | "cancelled";

/** The part of a release an alert needs, captured when the delivery is recorded. */
export interface DeliverySnapshot {
  readonly title: string;
  readonly kind: string;
  readonly department: string;
  readonly date: string;
  readonly url?: string;
  readonly summary: string;
  /** Matched sentence with highlight ranges [start, end) into `text`. */
  readonly snippet: { readonly text: string; readonly highlights: readonly (readonly [number, number])[] };
  /** For a revision alert: what changed. */
  readonly changes?: string;
}

/** One alert: (subscriber, release, revision). Recorded before sending; marked sent after SMTP accepts. */
export interface Delivery {
  /** Deterministic: hash of email + release id + revision hash. */
  readonly id: string;
  readonly email: string;
  readonly releaseId: string;
  readonly revisionHash: string;
  readonly revision: boolean;
  /** Topics (ids and queries) that matched. */
  readonly topics: readonly { readonly id: string; readonly query: string }[];
  readonly frequency: Frequency;
  readonly snapshot: DeliverySnapshot;
  readonly status: DeliveryStatus;
  readonly createdAt: string;
  /** Earliest time to send (digest time, or retry backoff). */
  readonly dueAt: string;
  readonly attempts: number;
  readonly lastError?: string;
  /** Set, durably, before the send; the same message is re-sent with the same Message-ID. */
  readonly batchId?: string;
  readonly messageId?: string;
  readonly sentAt?: string;
  /**
   * When it was acknowledged as sent or failed, or cancelled (the engine's clock): failures are
   * listed newest first by it, also after copy-state. Absent on records from before it was kept.
   */
  readonly finishedAt?: string;
}
