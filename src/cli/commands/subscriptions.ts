import { resolve } from "node:path";
import { systemClock } from "../../core/clock.js";
import { PressroomError } from "../../core/errors.js";
import type { Frequency, Subscriber } from "../../core/subscription.js";
import { topicId, validateEmail } from "../../mail/index.js";
import { compileQuery } from "../../match/index.js";
import { cancelUnsubscribed } from "../../pipeline/cancel-unsubscribed.js";
import { openStore } from "../../store/open-store.js";
import type { GlobalOptions } from "../context.js";

const FREQUENCIES: readonly Frequency[] = ["immediate", "daily", "weekly"];

async function withStore<T>(options: GlobalOptions, work: (store: Awaited<ReturnType<typeof openStore>>) => Promise<T>): Promise<T> {
  const store = await openStore(resolve(options.state), { clock: systemClock, command: "pressroom subscriptions", lockWaitMs: 10_000 });
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/** `pressroom subscribe <email> "<query>" [--frequency daily] [--revisions]` */
export async function subscribeCommand(options: GlobalOptions & { email: string; query: string; frequency: string; revisions?: boolean }): Promise<number> {
  const email = validateEmail(options.email);
  if (!FREQUENCIES.includes(options.frequency as Frequency)) {
    throw new PressroomError("USAGE", `--frequency must be one of ${FREQUENCIES.join(", ")} (got "${options.frequency}")`);
  }
  compileQuery(options.query);
  return withStore(options, async (store) => {
    const now = systemClock.now().toISOString();
    const current = await store.subscriptions.get(email);
    const id = topicId(options.query);
    const topics = (current?.topics ?? []).filter((t) => t.id !== id);
    topics.push({ id, query: options.query, frequency: options.frequency as Frequency, revisions: Boolean(options.revisions), createdAt: now });
    const subscriber: Subscriber = { email, topics, createdAt: current?.createdAt ?? now, origin: current?.origin ?? "cli" };
    await store.subscriptions.put(subscriber);
    process.stdout.write(`subscribed ${email} to ${options.query} (${options.frequency}${options.revisions ? ", with revisions" : ""})\n`);
    return 0;
  });
}

/** `pressroom unsubscribe <email> ["<query>"]`: one topic, or everything. */
export async function unsubscribeCommand(options: GlobalOptions & { email: string; query?: string }): Promise<number> {
  const email = validateEmail(options.email);
  return withStore(options, async (store) => {
    const current = await store.subscriptions.get(email);
    if (!current) {
      process.stderr.write(`${email} has no subscriptions; nothing changed\n`);
      return 0;
    }
    if (options.query === undefined) {
      await store.subscriptions.remove(email);
      await cancelUnsubscribed(store.outbox, store.subscriptions);
      process.stdout.write(`unsubscribed ${email} from everything\n`);
      return 0;
    }
    const id = topicId(options.query);
    const topics = current.topics.filter((t) => t.id !== id);
    if (topics.length === current.topics.length) {
      process.stderr.write(`${email} is not subscribed to ${options.query}; nothing changed\n`);
      return 0;
    }
    if (topics.length === 0) await store.subscriptions.remove(email);
    else await store.subscriptions.put({ ...current, topics });
    await cancelUnsubscribed(store.outbox, store.subscriptions);
    process.stdout.write(`unsubscribed ${email} from ${options.query}\n`);
    return 0;
  });
}

/** `pressroom subscriptions`: one line per topic. */
export async function listSubscriptionsCommand(options: GlobalOptions): Promise<number> {
  const store = await openStore(resolve(options.state), { clock: systemClock, readOnly: true });
  const subscribers = await store.subscriptions.list();
  await store.close();
  if (subscribers.length === 0) process.stdout.write("no subscriptions\n");
  for (const s of subscribers) {
    for (const t of s.topics) process.stdout.write(`${s.email}\t${t.frequency}${t.revisions ? "+revisions" : ""}\t${t.query}\n`);
  }
  return 0;
}
