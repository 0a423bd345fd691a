import { redactUrl, redactUrls } from "../core/redact-url.js";
import { describeError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";

/** Posts a form to a URL; resolves with the HTTP status. Injected so the pipeline never touches the network itself. */
export type FormPoster = (url: string, form: Record<string, string>) => Promise<number>;

/**
 * WebSub (W3C) publish ping: tells the hub which feed URLs changed, so subscribers get pushes.
 * A failing hub is logged and never fails the run.
 */
export async function pingHub(hub: string, feedUrls: readonly string[], post: FormPoster, log: Logger): Promise<number> {
  let pinged = 0;
  for (const url of feedUrls) {
    try {
      const status = await post(hub, { "hub.mode": "publish", "hub.url": url });
      if (status >= 200 && status < 300) pinged++;
      else log.warn("websub ping refused", { hub: redactUrl(hub), url: redactUrl(url), status });
    } catch (error) {
      log.warn("websub ping failed", { hub: redactUrl(hub), url: redactUrl(url), error: redactUrls(describeError(error)) });
    }
  }
  return pinged;
}

/** A FormPoster over Node's fetch with a timeout. */
export function createFormPoster(options: { timeoutMs?: number; userAgent?: string } = {}): FormPoster {
  return async (url, form) => {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "user-agent": options.userAgent ?? "Pressroom/0.1 (WebSub publisher)" },
      body: new URLSearchParams(form).toString(),
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    await response.arrayBuffer().catch(() => undefined);
    return response.status;
  };
}
