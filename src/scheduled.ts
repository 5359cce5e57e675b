// The cron trigger (wrangler.toml [triggers]) and the rollup queue's consumer: they bring the
// rollups up to date with Lago's tables. Requests never wait for them: until a rollup is built they
// are answered from Lago's tables.
import { parseConfig, type Config } from "./config.ts";
import { createDatabase, type OpenDatabase } from "./db/client.ts";
import { sqlStateOf } from "./db-errors.ts";
import { CACHE_ROUTES } from "./endpoints.ts";
import { errorNames, logEvent } from "./log.ts";
import type { Bindings } from "./env.ts";
import { sum } from "./rollups/bookkeeping.ts";
import { consumeRollupWork, enqueueRollupWork } from "./rollups/queue.ts";
import { refreshRollups, type RefreshReport } from "./rollups/refresh.ts";
import { fillPeriodEnds } from "./snapshots/period-ends.ts";
import { consumeSnapshotWork, enqueueDueSnapshots } from "./snapshots/queue.ts";
import { takeSnapshots } from "./snapshots/run.ts";

/**
 * A cron run first takes the usage snapshots that are due and the period ends (with LAGO_API_URL;
 * docs/usage-snapshots.md), within half its budget, then collects what changed and recomputes it inline, within the rest, so
 * the day's snapshots reach the usage rollup in the same run. With a ROLLUP_QUEUE binding, work
 * larger than a day's trickle (a first build, a bulk touch) is sent to the queue instead
 * (src/rollups/queue.ts).
 */
export async function scheduled(controller: ScheduledController, env: Bindings): Promise<void> {
  await withDatabase(env, ["rollups refreshed", "rollup refresh failed"], async (db, config) => {
    const started = Date.now();
    const snapshots = config.lagoApiUrl
      ? await usageSnapshots(db, env, config.lagoApiUrl, new Date(controller.scheduledTime), config.rollupRefreshBudgetMs / 2)
      : undefined;
    const budgetMs = Math.max(1_000, config.rollupRefreshBudgetMs - (Date.now() - started));
    const run = { budgetMs, concurrency: config.rollupRefreshConcurrency };
    const queue = env.ROLLUP_QUEUE;
    return { report: await refreshRollups(db, run, queue && (() => enqueueRollupWork(db, queue))), ...(snapshots ? { snapshots } : {}) };
  });
}

/**
 * The period ends Lago's invoices closed, then the due subscriptions: sent to the snapshot queue
 * when it is bound, else called inline within `budgetMs`. Period ends come first, so that a
 * period's last day is the invoice's and not a call made after the period turned. A failure here
 * (the database, say) must not cost the rollups their run: logged, and on.
 */
async function usageSnapshots(db: OpenDatabase, env: Bindings, lagoApiUrl: string, now: Date, budgetMs: number) {
  try {
    const periodEnds = await fillPeriodEnds(db, now);
    const queue = env.SNAPSHOT_QUEUE;
    return queue
      ? { periodEnds, queued: await enqueueDueSnapshots(db, queue, now) }
      : { periodEnds, ...(await takeSnapshots(db, { lagoApiUrl, now, budgetMs, concurrency: SNAPSHOT_CONCURRENCY })) };
  } catch (err) {
    logEvent("error", "usage snapshots failed", { error: errorNames(err).error, sqlstate: sqlStateOf(err) });
    return undefined;
  }
}

/** Calls to Lago's API one cron run keeps in flight at once (inline, without the snapshot queue). */
const SNAPSHOT_CONCURRENCY = 4;
/** What the snapshot queue's name holds in every environment (wrangler.toml). */
const SNAPSHOT_QUEUE_NAME = "-snapshots";

/** The queue consumers (wrangler.toml [[queues.consumers]]): the snapshot queue's, or the rollup queue's. */
export async function queue(batch: MessageBatch<unknown>, env: Bindings): Promise<void> {
  if (batch.queue.includes(SNAPSHOT_QUEUE_NAME)) {
    await withDatabase(env, ["usage snapshots taken", "usage snapshots failed"], async (db, config) => {
      if (!config.lagoApiUrl) {
        // Turned off since the messages were sent: nothing to call; they are dropped.
        for (const message of batch.messages) message.ack();
        return { messages: batch.messages.length };
      }
      const snapshots = await consumeSnapshotWork(db, batch, { lagoApiUrl: config.lagoApiUrl, maxConcurrency: config.snapshotMaxConcurrency });
      return { snapshots, messages: batch.messages.length };
    });
    return;
  }
  await withDatabase(env, ["rollup work done", "rollup refresh failed"], async (db, config) => ({
    report: await consumeRollupWork(db, batch, config.rollupRefreshBudgetMs, config.rollupRefreshConcurrency),
    messages: batch.messages.length,
  }));
}

async function withDatabase(
  env: Bindings,
  [msg, failed]: [done: string, failed: string],
  work: (db: OpenDatabase, config: Config) => Promise<{ report?: RefreshReport } & Record<string, unknown>>,
): Promise<void> {
  const parsed = parseConfig(env, CACHE_ROUTES);
  if (!parsed.ok) {
    logEvent("error", "invalid configuration", { problems: parsed.problems });
    return;
  }
  const started = Date.now();
  const db = createDatabase(parsed.config);
  try {
    const { report, ...extra } = await work(db, parsed.config);
    const ms = Date.now() - started;
    // Buckets per second: with `left`, how long a first build or a catch-up still has to go.
    const rate = report && { buckets_per_second: Math.round((sum(report.recomputed) / Math.max(ms, 1)) * 10_000) / 10 };
    logEvent("info", msg, { ms, ...report, ...extra, ...rate });
  } catch (err) {
    // Name and SQLSTATE only: a database message may quote data.
    logEvent("error", failed, { error: errorNames(err).error, sqlstate: sqlStateOf(err) });
    throw err;
  } finally {
    await db.release();
  }
}
