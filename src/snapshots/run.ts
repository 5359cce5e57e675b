// A run of the usage snapshots: the due subscriptions, each claimed, asked of Lago and stored, a
// bounded number at a time, until none is left or the run's budget is spent. The cron runs it
// inline when no queue is bound.
import type { Database } from "../env.ts";
import { limiter, settleAll } from "../rollups/limit.ts";
import { type DueSubscription, dueSubscriptions } from "./due.ts";
import { callCurrentUsage, type ErrorClass } from "./lago-api.ts";
import { claimCall, finishCall, releaseCall } from "./store.ts";

export type SnapshotOptions = {
  lagoApiUrl: string;
  /** The instant the run is for (the cron's scheduled time). */
  now: Date;
  budgetMs: number;
  /** Calls to Lago in flight at once. */
  concurrency: number;
  /** How long one call may take. */
  callTimeoutMs?: number;
  /** Only these organizations (the tests); the cron takes every one. */
  organizationIds?: string[];
};

export type SnapshotReport = {
  calls: number;
  stored: number;
  empty: number;
  skipped: number;
  errors: Record<ErrorClass, number>;
  /** Due subscriptions not called this run (its budget ran out, or another worker holds them). */
  left: number;
};

const DUE_BATCH = 500;

export const emptySnapshotReport = (): SnapshotReport => ({
  calls: 0, stored: 0, empty: 0, skipped: 0, errors: { unauthorized: 0, unreachable: 0, malformed: 0 }, left: 0,
});

/** One due subscription: claimed, called, recorded. What happened, or undefined when not claimed. */
export async function takeSnapshot(db: Database, due: DueSubscription, lagoApiUrl: string, callTimeoutMs: number, report: SnapshotReport) {
  if (!(await claimCall(db, due))) return undefined;
  report.calls++;
  const result = await callCurrentUsage(lagoApiUrl, due, callTimeoutMs);
  if (result.kind === "usage" || result.kind === "skipped") {
    report[await finishCall(db, due, result.kind === "usage" ? result.usage : undefined)]++;
  } else {
    report.errors[result.kind]++;
    await releaseCall(db, due, result.kind);
  }
  return result;
}

export async function takeSnapshots(db: Database, opts: SnapshotOptions): Promise<SnapshotReport> {
  const deadline = Date.now() + opts.budgetMs;
  const report = emptySnapshotReport();
  const slot = limiter(opts.concurrency);
  // A call that failed gives its claim back and is due again at once: once per run is enough.
  const tried = new Set<string>();
  for (;;) {
    const due = (await dueSubscriptions(db, opts.now, DUE_BATCH + tried.size, { organizationIds: opts.organizationIds }))
      .filter((d) => !tried.has(`${d.subscription_id}/${d.usage_date}`));
    if (due.length === 0) break;
    if (Date.now() >= deadline) {
      report.left = due.length;
      break;
    }
    await settleAll(due.slice(0, DUE_BATCH).map((d) => () => slot(async () => {
      if (Date.now() >= deadline) return; // counted in `left` by the next look
      tried.add(`${d.subscription_id}/${d.usage_date}`);
      await takeSnapshot(db, d, opts.lagoApiUrl, opts.callTimeoutMs ?? 30_000, report);
    })));
  }
  return report;
}
