// Fan-out of the usage snapshots on Cloudflare Queues (wrangler.toml SNAPSHOT_QUEUE): the cron sends
// the due subscriptions in messages of SUBSCRIPTIONS_PER_MESSAGE, marked queued so that the next
// runs do not send them again; the consumer calls Lago for them, SNAPSHOT_MAX_CONCURRENCY calls in
// flight. A message whose calls Lago could not answer (5xx, 429, timeouts) is retried after a
// backoff (Retry-After when Lago gave one) and after max_retries goes to the dead-letter queue; the
// claims keep a subscription's day to one successful call whatever is delivered twice.
import type { Database } from "../env.ts";
import { limiter, settleAll } from "../rollups/limit.ts";
import { dueSubscriptions } from "./due.ts";
import { emptySnapshotReport, type SnapshotReport, takeSnapshot } from "./run.ts";
import { markQueued } from "./store.ts";
import type { SnapshotWork } from "./work.ts";

const SUBSCRIPTIONS_PER_MESSAGE = 50;
// sendBatch takes at most 100 messages; one cron run sends at most this many subscriptions.
const SEND_BATCH = 100;
const MAX_QUEUED_PER_RUN = 20_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Sends the subscriptions due at `now` to the queue; returns how many were sent. */
export async function enqueueDueSnapshots(db: Database, queue: Queue<SnapshotWork>, now: Date): Promise<number> {
  const due = await dueSubscriptions(db, now, MAX_QUEUED_PER_RUN);
  const at = now.toISOString();
  const messages: { body: SnapshotWork }[] = [];
  for (let i = 0; i < due.length; i += SUBSCRIPTIONS_PER_MESSAGE) {
    messages.push({ body: { subscriptionIds: due.slice(i, i + SUBSCRIPTIONS_PER_MESSAGE).map((d) => d.subscription_id), at } });
  }
  for (let i = 0; i < messages.length; i += SEND_BATCH) await queue.sendBatch(messages.slice(i, i + SEND_BATCH));
  await markQueued(db, due);
  return due.length;
}

/** Seconds before a message whose calls failed is delivered again: Lago's Retry-After, else 30 s doubling, at most 15 minutes. */
export const backoffSeconds = (attempts: number, retryAfter?: number) =>
  Math.min(900, Math.max(retryAfter ?? 0, 30 * 2 ** Math.max(0, attempts - 1)));

export async function consumeSnapshotWork(
  db: Database, batch: MessageBatch<unknown>, opts: { lagoApiUrl: string; maxConcurrency: number; callTimeoutMs?: number },
): Promise<SnapshotReport> {
  const report = emptySnapshotReport();
  const slot = limiter(opts.maxConcurrency);
  await settleAll(batch.messages.map((message) => async () => {
    const body = message.body as Partial<SnapshotWork> | null;
    const ids = Array.isArray(body?.subscriptionIds) ? body.subscriptionIds.filter((id): id is string => typeof id === "string" && UUID.test(id)) : [];
    const at = typeof body?.at === "string" ? new Date(body.at) : new Date(Number.NaN);
    // Malformed: retrying cannot help.
    if (ids.length === 0 || Number.isNaN(at.getTime())) return message.ack();
    const due = await dueSubscriptions(db, at, ids.length, { subscriptionIds: ids });
    // The longest Retry-After Lago gave for this message's calls (0: none).
    let retryAfter = 0;
    let failed = false;
    await settleAll(due.map((d) => () => slot(async () => {
      const result = await takeSnapshot(db, d, opts.lagoApiUrl, opts.callTimeoutMs ?? 30_000, report);
      if (result?.kind === "unreachable") {
        failed = true;
        retryAfter = Math.max(retryAfter, result.retryAfterSeconds ?? 0);
      }
    })));
    if (failed) message.retry({ delaySeconds: backoffSeconds(message.attempts, retryAfter) });
    else message.ack();
  }));
  return report;
}
