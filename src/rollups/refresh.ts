// One refresh of the rollups, as the scheduled handler runs it: collect what changed, recompute the
// queued buckets whole, retry failed ones, and mark a rollup built once its first build is done.
// Overlapping runs are safe: buckets are taken off the queue with SKIP LOCKED and every step is one
// atomic statement.
import { sqlStateOf } from "../db-errors.ts";
import type { Database } from "../env.ts";
import { markBuiltAndFresh, perKind, queuedPerKind, sum, type Waiting, waitingBuckets } from "./bookkeeping.ts";
import { collectChanges } from "./collect.ts";
import { BATCH_SIZES, CHAINS, type Kind, KINDS, type RollupName, ROLLUP_NAMES, type Source, SOURCES } from "./kinds.ts";
import { limiter, settleAll } from "./limit.ts";
import { closeQuietSources, readPositions } from "./positions.ts";
import { markFailed, queuedBuckets, recompute, recomputeNext, type Bucket } from "./recompute.ts";

export type RefreshOptions = {
  /** Stop starting new batches after this long; the queue carries the rest to the next run. */
  budgetMs?: number;
  /** Buckets per recompute statement, for every kind (default: BATCH_SIZES per kind). Tests use small ones. */
  batchSize?: number;
  /** See DEFAULT_OVERLAP in positions.ts. */
  overlap?: string;
  /** Changed rows per collect chunk, for every source (default: CHUNK_ROWS per source, collect.ts). Tests use small ones. */
  chunkRows?: number;
  /** Rows a collect chunk may scan at most (default: SCAN_ROWS in collect.ts). Tests use small ones. */
  scanRows?: number;
  /** Statements (collect chunks, recompute batches) run at once (ROLLUP_REFRESH_CONCURRENCY; default 1 here). */
  concurrency?: number;
};

export type RefreshReport = {
  queued: number;
  recomputed: Record<Kind, number>;
  failed: number;
  /** False when the budget ran out with buckets still queued. */
  complete: boolean;
  /** Buckets still queued when the run ended, per kind (failed ones not counted): what the next runs have left. */
  left: Record<Kind, number>;
  /**
   * Changed rows read in chunks this run (a table's first read, one grouped statement over all of
   * it, counts none), and the sources whose pass over their changes is still open (resumed next run).
   */
  rowsRead: number;
  collecting: Source[];
  /** Where the run's time went (ms): collecting changes, and recomputing each kind. */
  collectMs: number;
  recomputeMs: Record<Kind, number>;
  /** Messages sent to the queue (work fanned out rather than done in the run). */
  enqueued: number;
};

const RETRIES_PER_RUN = 10;

/**
 * Buckets a cron run recomputes itself even when a queue is bound: a day's trickle (a few months and
 * days per organization) is done before a queue batch would even be delivered. More than this (a
 * first build, a bulk touch) is fanned out to the queue's consumers.
 */
export const INLINE_BUCKETS = 40;

/**
 * One cron run: collect, then recompute inline within the same budget. With `fanOut` (the queue's
 * producer, src/rollups/queue.ts), more than INLINE_BUCKETS waiting buckets are handed to it instead;
 * it returns how many messages it sent.
 */
export async function refreshRollups(db: Database, opts: RefreshOptions = {}, fanOut?: () => Promise<number>): Promise<RefreshReport> {
  const deadline = Date.now() + (opts.budgetMs ?? 60_000);
  const report = await collectRollupChanges(db, opts);
  const waiting = await waitingBuckets(db);
  if (fanOut && sum(waiting.queued) > INLINE_BUCKETS) {
    report.enqueued = await fanOut();
    return report;
  }
  await recomputeQueued(db, report, { ...opts, deadline, waiting });
  return report;
}

/**
 * Step 1 of a run: collect what changed into the queue. Collecting may take half the budget (each
 * source gets at least one chunk), so that a run after a bulk touch still recomputes what it
 * queued; an open pass resumes in the next run.
 */
export async function collectRollupChanges(db: Database, opts: RefreshOptions = {}): Promise<RefreshReport> {
  const { budgetMs = 60_000, overlap, chunkRows, scanRows } = opts;
  const report = emptyReport();
  const collectStarted = Date.now();
  const collectDeadline = collectStarted + budgetMs / 2;
  const { watermarks, inFlightSince } = await readPositions(db);
  const firstBuild = (watermarks.get("fees")?.watermark ?? null) === null;
  // Sources with nothing new are closed together first; the rest are read chunk by chunk.
  const candidates = SOURCES.filter((source) => !firstBuild && (watermarks.get(source)?.watermark ?? null) !== null && !watermarks.get(source)?.passOpen);
  const closed = new Set(await closeQuietSources(db, candidates, { overlap, inFlightSince }));
  // Each source's pass is its own row and its own statements: `concurrency` of them at once.
  const slot = limiter(opts.concurrency ?? 1);
  await settleAll(SOURCES.filter((source) => !closed.has(source)).map((source) => () => slot(async () => {
    const { watermark = null, passOpen = false } = watermarks.get(source) ?? {};
    const collected = await collectChanges(db, source, {
      feeds: feedsToCollect(source, watermark, firstBuild), overlap, deadline: collectDeadline, watermark, passOpen, inFlightSince, ...(chunkRows ? { chunkRows } : {}), ...(scanRows ? { scanRows } : {}),
    });
    report.queued += collected.queued;
    report.rowsRead += collected.rows;
    if (!collected.done) report.collecting.push(source);
  })));
  report.collecting.sort((a, b) => SOURCES.indexOf(a) - SOURCES.indexOf(b));
  report.collectMs = Date.now() - collectStarted;
  report.complete = report.collecting.length === 0;
  return report;
}

/**
 * Step 2: recompute queued buckets (one organization's only, for a queue consumer) until none is
 * left or `deadline` passes, retry failed ones, then mark built and fresh what that finished.
 * `concurrency` workers take batches off the queue at once (SKIP LOCKED: never the same bucket).
 */
export async function recomputeQueued(
  db: Database,
  report: RefreshReport,
  opts: { deadline: number; batchSize?: number; organizationId?: string; concurrency?: number; waiting?: Waiting },
): Promise<RefreshReport> {
  const { deadline, batchSize, organizationId, concurrency = 1 } = opts;
  // What is queued decides which kinds need workers at all: an idle run sends no recompute statement.
  const waiting = opts.waiting ?? (await waitingBuckets(db, organizationId));
  const slot = limiter(concurrency);
  let outOfTime = false;
  let failed = false;
  // One worker: the kind's next batches until none is left that no other worker holds. The first
  // error stops every worker at its next batch.
  const worker = (kind: Kind) => async () => {
    while (!failed) {
      if (Date.now() > deadline) {
        outOfTime = true;
        return;
      }
      try {
        if ((await slot(() => recomputeNextOrIsolate(db, kind, batchSize ?? batchOf(kind, waiting, concurrency), organizationId, report))) === 0) return;
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  // The chains run side by side, sharing the `concurrency` statements; within one, days before
  // weeks and months (those are rebuilt from the day rows, and a recomputed day queues its week and
  // month). recomputeMs: each kind's wall time.
  await settleAll(CHAINS.map((kinds) => async () => {
    let upstream = false;
    for (const kind of kinds) {
      if (waiting.queued[kind] === 0 && !upstream) continue;
      const started = Date.now();
      const before = report.recomputed[kind];
      try {
        await settleAll(Array.from({ length: concurrency }, () => worker(kind)));
      } finally {
        report.recomputeMs[kind] += Date.now() - started;
      }
      upstream ||= report.recomputed[kind] > before;
      if (outOfTime || failed) return;
    }
  }));
  if (outOfTime) {
    report.complete = false;
    report.left = await queuedPerKind(db);
    return report;
  }
  for (const kind of KINDS) {
    if (waiting.failed[kind] === 0) continue;
    for (const bucket of await queuedBuckets(db, kind, RETRIES_PER_RUN, true, organizationId)) {
      report.recomputed[kind] += await recomputeOrIsolate(db, kind, [bucket], report);
    }
  }
  await markBuiltAndFresh(db);
  // Nothing was queued anywhere and nothing done: nothing is left either (a run racing this one
  // reports its own).
  const idle = organizationId === undefined && sum(waiting.queued) + sum(waiting.failed) === 0;
  report.left = idle ? perKind() : await queuedPerKind(db);
  return report;
}

/**
 * Buckets per statement: BATCH_SIZES, or fewer when few are queued, so that a trickle's handful is
 * shared between the run's `concurrency` statements (and the other kinds' workers) rather than
 * recomputed one after another in a single statement: a day's writes are current sooner. A kind
 * whose buckets are queued during the run (weeks and months, by the days) takes full batches.
 */
function batchOf(kind: Kind, waiting: Waiting, concurrency: number): number {
  const queued = waiting.queued[kind];
  return queued === 0 ? BATCH_SIZES[kind] : Math.min(BATCH_SIZES[kind], Math.max(1, Math.ceil(queued / (2 * concurrency))));
}

export function emptyReport(): RefreshReport {
  return {
    queued: 0, failed: 0, complete: true,
    recomputed: perKind(),
    left: perKind(),
    rowsRead: 0,
    collecting: [],
    collectMs: 0,
    recomputeMs: perKind(),
    enqueued: 0,
  };
}

/**
 * On the first build (until the first pass over fees is done) every bucket is found from the rows
 * that date it (fees, invoices, daily usages and snapshots); the tables that only change how a row counts need not
 * be joined to all of them, so their first read only sets their watermark. From their second read on
 * (even mid-build: an earlier run's buckets may be recomputed already) they are followed in full. A
 * table first read after the rollups were built (one added by a later migration) has had its buckets
 * queued by that migration: its first read only sets its watermark.
 */
function feedsToCollect(source: Source, watermark: string | null, firstBuild: boolean): readonly RollupName[] {
  if (watermark !== null) return ROLLUP_NAMES;
  if (!firstBuild) return [];
  if (source === "fees" || source === "daily_usages" || source === "usage_snapshots") return ROLLUP_NAMES;
  return source === "invoices" ? ["revenue"] : [];
}

/**
 * The next batch of a kind; when it fails on a data error, the buckets queued at that point are
 * isolated one by one (below). Returns the buckets taken off the queue, recomputed or marked failed.
 */
async function recomputeNextOrIsolate(db: Database, kind: Kind, limit: number, organizationId: string | undefined, report: RefreshReport): Promise<number> {
  try {
    const { buckets } = await recomputeNext(db, kind, limit, organizationId);
    report.recomputed[kind] += buckets;
    return buckets;
  } catch (err) {
    if (!isDataError(err)) throw err;
    const queued = await queuedBuckets(db, kind, limit, false, organizationId);
    let done = 0;
    for (const bucket of queued) done += await recomputeOrIsolate(db, kind, [bucket], report);
    report.recomputed[kind] += done;
    return queued.length;
  }
}

/**
 * A batch that fails on a data error (say, a daily_usages row whose usage_diff is not the shape
 * Lago writes) is retried bucket by bucket, and the buckets that still fail are kept, marked
 * failed: their organization is then answered from Lago's tables directly, where the same row
 * gives the same error, until a later retry succeeds. An unreachable database stops the run.
 */
async function recomputeOrIsolate(db: Database, kind: Kind, buckets: Bucket[], report: RefreshReport): Promise<number> {
  try {
    return (await recompute(db, kind, buckets)).buckets;
  } catch (err) {
    if (!isDataError(err)) throw err;
    if (buckets.length === 1 && buckets[0]) {
      await markFailed(db, kind, buckets[0], sqlStateOf(err) ?? "unknown");
      report.failed++;
      return 0;
    }
    let done = 0;
    for (const bucket of buckets) done += await recomputeOrIsolate(db, kind, [bucket], report);
    return done;
  }
}


// An error PostgreSQL raised about the statement or its data; not a transport failure (no SQLSTATE),
// a lost connection (08), too little memory or disk (53), an operator stop (57), a system error (58)
// or a serialization failure or deadlock (40), which are worth another try rather than a mark.
function isDataError(err: unknown): boolean {
  const code = sqlStateOf(err);
  return code !== undefined && !/^(08|53|57|58|40)/.test(code);
}

