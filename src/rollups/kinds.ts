// The rollups by name: the Lago tables the refresh follows, and per rollup the queue kinds it is
// recomputed in (in order: a kind is rebuilt from the ones before it), with their batch sizes, and the
// rollup_status rows requests ask about. Names and numbers only, no SQL, so that src/queries/ can ask
// whether a rollup is ready without importing the rollups' statements; src/rollups/registry.ts joins
// each entry with its definition (src/rollups/definitions/).

/**
 * The tables whose changes are collected, by name, in the order a run reads them: Lago's, and the
 * usage snapshots the service takes where Lago writes no daily usage, in its own schema.
 */
export const SOURCE_TABLES = {
  fees: "fees", invoices: "invoices", charges: "charges", billable_metrics: "billable_metrics", daily_usages: "daily_usages",
  credit_notes: "credit_notes", plans: "plans", subscriptions: "subscriptions", usage_snapshots: "edge_analytics.usage_snapshots",
} as const;
export type Source = keyof typeof SOURCE_TABLES;
export const SOURCES = Object.keys(SOURCE_TABLES) as Source[];

/**
 * Buckets per recompute statement. A month of fees or invoices is a large bucket (about 2 s at 10M
 * fees in one organization), so few go at once: a batch started just before a run's deadline then
 * overruns it by seconds, not by a minute. A day of usage is a small one.
 */
export const ROLLUPS = {
  // invoiced_usage in UTC, and the quarter-hour edges that answer it in other zones.
  invoiced_usage: { kinds: { invoiced_usage: 5 }, statuses: ["invoiced_usage", "invoiced_usage_tz"] },
  // What gross_revenue, invoice_collection, mrr and overdue_balance read.
  revenue: { kinds: { revenue: 5 }, statuses: ["revenue"] },
  // Days from daily_usages and the usage snapshots, then ISO weeks and months from the days.
  usage: { kinds: { usage_day: 25, usage_week: 25, usage_month: 25 }, statuses: ["usage"] },
} as const;

/** A rollup, as what a changed row of a source feeds. */
export type RollupName = keyof typeof ROLLUPS;
export const ROLLUP_NAMES = Object.keys(ROLLUPS) as RollupName[];

/** The kinds of one rollup. */
export type KindsOf<R extends RollupName> = keyof (typeof ROLLUPS)[R]["kinds"] & string;
/** A queued bucket's kind; period_start is a month, a month, a day, an ISO week's Monday, a month. */
export type Kind = { [R in RollupName]: KindsOf<R> }[RollupName];
/** A rollup_status row: what a request asks about before reading a rollup. */
export type RollupStatus = (typeof ROLLUPS)[RollupName]["statuses"][number];

const kindsOf = (rollup: RollupName) => Object.keys(ROLLUPS[rollup].kinds) as Kind[];

/** Each rollup's kinds in order; the chains are independent of each other. */
export const CHAINS: readonly (readonly Kind[])[] = ROLLUP_NAMES.map(kindsOf);
export const KINDS: readonly Kind[] = CHAINS.flat();
export const BATCH_SIZES = Object.fromEntries(ROLLUP_NAMES.flatMap((r) => Object.entries(ROLLUPS[r].kinds))) as Record<Kind, number>;

/** The queue kinds a rollup_status row waits for. */
export const KINDS_OF_STATUS = Object.fromEntries(
  ROLLUP_NAMES.flatMap((r) => ROLLUPS[r].statuses.map((status: RollupStatus) => [status, kindsOf(r)] as const)),
) as unknown as Record<RollupStatus, readonly Kind[]>;
