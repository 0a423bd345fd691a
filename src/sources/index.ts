import type { SourceConfig } from "../config/schema.js";
import type { SourceAdapter } from "../core/source.js";
import { dumpAdapter } from "./dump.js";
import { feedAdapter } from "./feed.js";
import { govukSearchAdapter } from "./govuk-search.js";
import { htmlAdapter } from "./html.js";

export { createHttpFetcher } from "./http-fetch.js";
export { parseDump } from "./dump-parse.js";

type AdapterFor<T extends SourceConfig["type"]> = SourceAdapter<Extract<SourceConfig, { type: T }>>;

/** Every source kind, by its config `type`. */
export const adapters: { [T in SourceConfig["type"]]: AdapterFor<T> } = {
  dump: dumpAdapter,
  feed: feedAdapter,
  "govuk-search": govukSearchAdapter,
  html: htmlAdapter,
};

export function adapterFor(config: SourceConfig): SourceAdapter<SourceConfig> {
  return adapters[config.type] as unknown as SourceAdapter<SourceConfig>;
}

/** Text lineage of a source (see `Provenance.origin`): every dump is a copy of one archive. */
export function originOf(config: SourceConfig): string {
  return config.type === "dump" ? "dump" : config.id;
}
