/**
 * Resolves on the first SIGTERM or SIGINT. A second signal while shutting down calls `onForce`
 * (default: exit 130 at once, abandoning the run in flight).
 */
export function waitForStopSignal(onForce: () => void = () => process.exit(130)): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let received = false;
    const on = (signal: NodeJS.Signals) => {
      if (received) {
        onForce();
        return;
      }
      received = true;
      resolve(signal);
    };
    process.on("SIGTERM", on);
    process.on("SIGINT", on);
  });
}
