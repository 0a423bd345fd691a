export { createRunGuard, type RunGuard, type RunReason } from "./run-guard.js";
export { DIGEST_TIME_ZONE, startScheduler, type Scheduler, type SchedulerOptions } from "./start-scheduler.js";
export { validateCron, validateDigestSchedule, validateSchedule, validateTimeZone } from "./validate-schedule.js";
