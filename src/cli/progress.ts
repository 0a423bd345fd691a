/** A one-line progress bar on a terminal; nothing at all when the stream is not a terminal. */
export function createProgress(stream: NodeJS.WriteStream = process.stderr) {
  if (!stream.isTTY) return { update: (_label: string, _done: number, _total: number, _force?: boolean) => {}, done: () => {} };
  let shown = false;
  let lastPercent = -1;
  return {
    /** `total` in bytes (shown from 1 MB up), or any unit with `force`. */
    update(label: string, done: number, total: number, force = false) {
      if (!force && total < 1_000_000) return; // small inputs finish before a bar helps
      const percent = Math.min(100, Math.floor((done / total) * 100));
      if (percent === lastPercent) return;
      lastPercent = percent;
      const width = 30;
      const filled = Math.round((percent / 100) * width);
      stream.write(`\r${label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${percent}% `);
      shown = true;
    },
    done() {
      if (shown) stream.write("\r\x1b[K");
      shown = false;
      lastPercent = -1;
    },
  };
}
