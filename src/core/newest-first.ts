/** Newest first: London date, then latest update, then id (a total order, so every path agrees). */
export function newestFirst(x: { readonly id: string; readonly date: string; readonly updatedAt: string }, y: { readonly id: string; readonly date: string; readonly updatedAt: string }): number {
  return x.date < y.date ? 1 : x.date > y.date ? -1 : x.updatedAt < y.updatedAt ? 1 : x.updatedAt > y.updatedAt ? -1 : x.id < y.id ? -1 : x.id > y.id ? 1 : 0;
}
