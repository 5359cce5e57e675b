// Fan-out of the rollup refresh on Cloudflare Queues (wrangler.toml [[queues]]): the cron collects
// changes and sends one message per organization with queued buckets; the consumer recomputes that
// organization's buckets. Queues brings the rest: batches, bounded concurrency (max_concurrency),
// retries with backoff and a dead-letter queue. Duplicates are harmless: buckets leave the queue
// table as they are taken (SKIP LOCKED), so a second consumer of the same organization finds
// nothing, and a bucket is always recomputed whole from Lago's tables.
import { type OpenDatabase } from "../db/client.ts";
import { sqlStateOf } from "../db-errors.ts";
import { errorNames, logEvent } from "../log.ts";
import { organizationsQueued } from "./bookkeeping.ts";
import { recomputeQueued, emptyReport, type RefreshReport } from "./refresh.ts";
import type { RollupWork } from "./work.ts";

export type { RollupWork };

// sendBatch takes at most 100 messages.
const SEND_BATCH = 100;

/** Sends one message per organization with buckets waiting; returns how many were sent. */
export async function enqueueRollupWork(db: OpenDatabase, queue: Queue<RollupWork>): Promise<number> {
  const organizations = await organizationsQueued(db);
  for (let i = 0; i < organizations.length; i += SEND_BATCH) {
    await queue.sendBatch(organizations.slice(i, i + SEND_BATCH).map((organizationId) => ({ body: { organizationId } })));
  }
  return organizations.length;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The consumer: each message's organization in turn, within `budgetMs` for the batch. A message
 * whose work failed (the database unreachable, say) is retried by Queues after a delay, up to
 * max_retries, then goes to the dead-letter queue; one whose organization still has work when the
 * budget ran out is retried at once. A malformed message is acknowledged and dropped: retrying it
 * cannot help.
 */
export async function consumeRollupWork(db: OpenDatabase, batch: MessageBatch<unknown>, budgetMs: number, concurrency = 1): Promise<RefreshReport> {
  const deadline = Date.now() + budgetMs;
  const report = emptyReport();
  for (const message of batch.messages) {
    const body = message.body as Partial<RollupWork> | null;
    if (typeof body?.organizationId !== "string" || !UUID.test(body.organizationId)) {
      message.ack();
      continue;
    }
    try {
      await recomputeQueued(db, report, { deadline, organizationId: body.organizationId, concurrency });
      if (report.complete) message.ack();
      else message.retry({ delaySeconds: 0 });
    } catch (err) {
      // Name and SQLSTATE only: a database message may quote data.
      logEvent("error", "rollup work failed", { error: errorNames(err).error, sqlstate: sqlStateOf(err), attempts: message.attempts });
      message.retry({ delaySeconds: 30 });
    }
  }
  return report;
}
