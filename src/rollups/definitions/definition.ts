import type { SQL } from "drizzle-orm";
import type { KindsOf, RollupName, Source } from "../kinds.ts";

/**
 * What one rollup is, in SQL (its names, kinds and batch sizes are in src/rollups/kinds.ts):
 * - `changes`: per source, the buckets a collect chunk's changed rows make stale, as rows of
 *   (kind, organization_id, period_start); `changed` holds the chunk's rows, with the table's columns.
 * - `firstBuild`: per source, the buckets of the table's first read, before any rollup exists (from
 *   where each organization's rows begin and end); a source without one is read whole through `changes`.
 * - `recompute`: per kind, the statement's CTEs after `picked` (the buckets taken off the queue:
 *   organization_id, period_start), which clear the buckets' rows and write them anew, the one
 *   named `inserted` returning a row per row written.
 */
export type RollupDefinition<R extends RollupName> = {
  changes: Partial<Record<Source, SQL>>;
  firstBuild: Partial<Record<Source, SQL>>;
  recompute: Record<KindsOf<R>, () => SQL>;
};
