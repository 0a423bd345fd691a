/** How a delivery that left the outbox log finished. */
export type Finished = "sent" | "failed" | "cancelled";

const STATUSES: readonly Finished[] = ["sent", "failed", "cancelled"];

export const isFinished = (status: string | undefined): status is Finished => STATUSES.includes(status as Finished);

/**
 * The deliveries moved out of the outbox log (`queue/done.tsv`): id → how it finished and the day
 * of its history file. Held for every delivery ever finished, so an entry is one number beside its
 * id (day number × 3 + status), not a pair of strings in an array: about half the memory per
 * finished delivery.
 */
export class DoneIndex {
  private readonly ids = new Map<string, number>();
  private readonly days: string[] = [];
  private readonly dayNumbers = new Map<string, number>();

  get size(): number {
    return this.ids.size;
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  set(id: string, status: Finished, day: string): void {
    let number = this.dayNumbers.get(day);
    if (number === undefined) {
      number = this.days.length;
      this.days.push(day);
      this.dayNumbers.set(day, number);
    }
    this.ids.set(id, number * STATUSES.length + STATUSES.indexOf(status));
  }

  get(id: string): { readonly status: Finished; readonly day: string } | undefined {
    const code = this.ids.get(id);
    if (code === undefined) return undefined;
    return { status: STATUSES[code % STATUSES.length]!, day: this.days[Math.floor(code / STATUSES.length)]! };
  }

  /** How many finished each way. */
  counts(): Record<Finished, number> {
    const counts = { sent: 0, failed: 0, cancelled: 0 };
    for (const code of this.ids.values()) counts[STATUSES[code % STATUSES.length]!]++;
    return counts;
  }

  /** The days of the history files that hold these deliveries, oldest first. */
  historyDays(): string[] {
    const used = new Set<number>();
    for (const code of this.ids.values()) used.add(Math.floor(code / STATUSES.length));
    return [...used].map((n) => this.days[n]!).sort();
  }
}
