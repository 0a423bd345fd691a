export { createServer, MAX_URL_CHARS, type PressroomServer, type ServerOptions } from "./create-server.js";
export { composeConfirmation, confirmUrl } from "./confirmation-email.js";
export { collectHealth, type HealthReport, type SourceHealth } from "./health-route.js";
export { renderMetrics } from "./metrics-route.js";
export { feedNameFromPath } from "./feed-path.js";
