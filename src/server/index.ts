export { createServer, MAX_URL_CHARS, type PressroomServer, type ServerOptions } from "./create-server.js";
export { composeConfirmation, confirmUrl } from "./confirmation-email.js";
export { collectHealth, type HealthReport, type SourceHealth } from "./health-route.js";
export { renderMetrics } from "./metrics-route.js";
export { feedNameFromPath } from "./feed-path.js";
export { createRateLimiter, clientKey, type RateLimiter, type RateRule } from "./rate-limit.js";
export { DEFAULT_SUBSCRIBE_LIMITS, type SubscribeLimits } from "./subscribe-limits.js";
export { createLiveFeedCache, LIVE_FEED_MAX_MONTHS, LIVE_FEED_MAX_RELEASES, type LiveFeedCache, type LiveFeedOptions } from "./live-topic-feed.js";
export { PENDING_TTL_MS } from "./subscribe-routes.js";
