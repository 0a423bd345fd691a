import { shortHash } from "../core/ids.js";

/** Deterministic batch id: a hash of the sorted delivery ids the message carries. */
export function batchIdFor(deliveryIds: readonly string[]): string {
  return shortHash(`batch\n${[...deliveryIds].sort().join("\n")}`, 24);
}

/** The dot-atom inside a List-Id (`Name <a.b.c>` or `a.b.c`), reduced to safe characters. */
export function listIdDomain(listId: string): string {
  const inner = /<([^>]*)>/.exec(listId)?.[1] ?? listId;
  const domain = inner.toLowerCase().replace(/[^a-z0-9.-]/g, "").replace(/^[.-]+|[.-]+$/g, "");
  return domain || "pressroom.invalid";
}

/** Deterministic Message-ID for a batch: `<batchId@list-id-domain>`; a re-send keeps it. */
export function messageIdFor(batchId: string, listId: string): string {
  return `<${batchId}@${listIdDomain(listId)}>`;
}
