import { systemClock } from "../../core/clock.js";
import { PressroomError } from "../../core/errors.js";
import type { Frequency } from "../../core/subscription.js";
import { topicId, validateEmail } from "../../mail/index.js";
import { compileQuery } from "../../match/index.js";
import { withState, type GlobalOptions } from "../context.js";

const FREQUENCIES: readonly Frequency[] = ["immediate", "daily", "weekly"];

/** `pressroom subscribe <email> "<query>" [--frequency daily] [--revisions]` */
export async function subscribeCommand(options: GlobalOptions & { email: string; query: string; frequency: string; revisions?: boolean }): Promise<number> {
  const email = validateEmail(options.email);
  if (!FREQUENCIES.includes(options.frequency as Frequency)) {
    throw new PressroomError("USAGE", `--frequency must be one of ${FREQUENCIES.join(", ")} (got "${options.frequency}")`);
  }
  compileQuery(options.query);
  return withState(options, "pressroom subscribe", async (store) => {
    const now = systemClock.now().toISOString();
    const topic = { id: topicId(options.query), query: options.query, frequency: options.frequency as Frequency, revisions: Boolean(options.revisions), createdAt: now };
    await store.subscriptions.addTopic(email, topic, "cli");
    process.stdout.write(`subscribed ${email} to ${options.query} (${options.frequency}${options.revisions ? ", with revisions" : ""})\n`);
    return 0;
  });
}

/** `pressroom unsubscribe <email> ["<query>"]`: one topic, or everything; queued alerts for it are cancelled. */
export async function unsubscribeCommand(options: GlobalOptions & { email: string; query?: string }): Promise<number> {
  const email = validateEmail(options.email);
  return withState(options, "pressroom unsubscribe", async (store) => {
    const current = await store.subscriptions.get(email);
    if (!current) {
      process.stderr.write(`${email} has no subscriptions; nothing changed\n`);
      return 0;
    }
    const id = options.query === undefined ? undefined : topicId(options.query);
    if (id !== undefined && !current.topics.some((t) => t.id === id)) {
      process.stderr.write(`${email} is not subscribed to ${options.query}; nothing changed\n`);
      return 0;
    }
    const { cancelled } = await store.subscriptions.removeTopics(email, id);
    const queued = cancelled > 0 ? ` (${cancelled} queued alert${cancelled === 1 ? "" : "s"} cancelled)` : "";
    process.stdout.write(`unsubscribed ${email} from ${options.query ?? "everything"}${queued}\n`);
    return 0;
  });
}

/** `pressroom subscriptions`: one line per topic. */
export async function listSubscriptionsCommand(options: GlobalOptions): Promise<number> {
  const subscribers = await withState(options, "pressroom subscriptions", (store) => store.subscriptions.list(), "shared");
  if (subscribers.length === 0) process.stdout.write("no subscriptions\n");
  for (const s of subscribers) {
    for (const t of s.topics) process.stdout.write(`${s.email}\t${t.frequency}${t.revisions ? "+revisions" : ""}\t${t.query}\n`);
  }
  return 0;
}
