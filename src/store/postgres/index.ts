/* The PostgreSQL engine's public surface: only `src/cli/` opens it; the server may listen. */
export { openPostgresState, type PostgresStateOptions } from "./open-postgres-state.js";
export { listenPostgresChanges, type ChangeHandlers, type ChangeListener } from "./pg-listen.js";
export { FEEDS_CHANNEL } from "./pg-feeds.js";
export { WORK_CHANNEL } from "./pg-outbox.js";
export { SCHEMA_VERSION } from "./migrate.js";
export { postgresLimits, type SharedLimiter, type SharedLimiterFactory } from "./pg-rate-limits.js";
