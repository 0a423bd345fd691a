/** Why a delivery failed for good, from its recorded error. */
export type FailureClass = "rejected-recipient" | "refused-5xx" | "gave-up-after-retries" | "cannot-compose" | "other";

export const FAILURE_CLASSES: readonly FailureClass[] = ["rejected-recipient", "refused-5xx", "gave-up-after-retries", "cannot-compose", "other"];

export function classifyFailure(lastError: string | undefined): FailureClass {
  const error = lastError ?? "";
  if (error.startsWith("gave up after")) return "gave-up-after-retries";
  if (error.startsWith("cannot compose")) return "cannot-compose";
  if (/recipient rejected|EENVELOPE|\b55[0-3]\b/.test(error)) return "rejected-recipient";
  if (/^smtp: .*\b5\d\d\b/.test(error)) return "refused-5xx";
  return "other";
}

/** Counts of the given failures by class (every class present, zero or more). */
export function countFailures(failures: readonly { readonly lastError?: string }[]): Record<FailureClass, number> {
  const counts = Object.fromEntries(FAILURE_CLASSES.map((c) => [c, 0])) as Record<FailureClass, number>;
  for (const f of failures) counts[classifyFailure(f.lastError)]++;
  return counts;
}

/** Alerts sent per second over a run (0 when it sent none). */
export function sendRate(run: { readonly durationMs: number; readonly deliveries: { readonly sent: number } } | undefined): number {
  if (!run || run.deliveries.sent === 0 || run.durationMs <= 0) return 0;
  return run.deliveries.sent / (run.durationMs / 1000);
}
