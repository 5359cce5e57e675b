// Every rollup: its names and kinds (kinds.ts) with its SQL (definitions/). Collect, recompute and
// refresh are engines over this list. A new rollup is its definition file, its migration (tables,
// and its rollup_status rows), its entry in kinds.ts and one line here.
import type { SQL } from "drizzle-orm";
import type { RollupDefinition } from "./definitions/definition.ts";
import { invoicedUsageRollup } from "./definitions/invoiced-usage.ts";
import { revenueRollup } from "./definitions/revenue.ts";
import { usageRollup } from "./definitions/usage.ts";
import { type Kind, type RollupName, ROLLUP_NAMES, ROLLUPS, type Source } from "./kinds.ts";

const DEFINITIONS: { [R in RollupName]: RollupDefinition<R> } = {
  invoiced_usage: invoicedUsageRollup,
  revenue: revenueRollup,
  usage: usageRollup,
};

/**
 * What a chunk of `source`'s changed rows makes stale in each of `rollups`, as SELECTs of (kind,
 * organization_id, period_start); on the table's first read (`firstBuild`), the rollup's first-build
 * ranges where it has them.
 */
export function staleBuckets(source: Source, rollups: readonly RollupName[], firstBuild: boolean): SQL[] {
  return rollups.flatMap((rollup) => {
    const { changes, firstBuild: ranges } = DEFINITIONS[rollup];
    return (firstBuild ? ranges[source] : undefined) ?? changes[source] ?? [];
  });
}

/** The CTEs that recompute the picked buckets of `kind` (see RollupDefinition). */
export function recomputeBody(kind: Kind): SQL {
  const rollup = ROLLUP_NAMES.find((r) => kind in ROLLUPS[r].kinds);
  if (!rollup) throw new Error(`no rollup recomputes ${kind}`);
  return (DEFINITIONS[rollup].recompute as Record<string, () => SQL>)[kind]!();
}
