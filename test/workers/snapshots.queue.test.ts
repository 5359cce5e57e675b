// The snapshot queue's consumer (src/snapshots/queue.ts) on batches as Queues delivers them: what it
// acknowledges, what it hands back with which delay, and that deliveries twice over still make one
// call and one row. Expected values worked out by hand.
import { describe, expect, it } from "vitest";
import { customerUsage } from "../../scripts/lago-api/stand-in.ts";
import { backoffSeconds } from "../../src/snapshots/queue.ts";
import { consumeSnapshotBatch, snapshotScenario as scenario } from "./helpers/snapshots.ts";

const AT = "2025-03-11T01:00:00Z";
const one = [{ id: "ch_1", units: "1.5", amount: 150, events: 3 }];

describe("the snapshot queue's consumer", () => {
  it("stores each subscription of a message and acknowledges it", async () => {
    const [a, b] = [await scenario(), await scenario()];
    for (const s of [a, b]) await s.lagoAnswers(customerUsage(s.metric, one));
    const { report, decided } = await consumeSnapshotBatch([{ subscriptionIds: [a.subscription.id, b.subscription.id], at: AT }]);
    expect(report).toMatchObject({ calls: 2, stored: 2 });
    expect(decided).toEqual(["ack"]);
    expect((await a.stored()).map((r) => r.usage_date)).toEqual(["2025-03-10"]);
  });

  it("hands a message back after a backoff when Lago failed one of its calls, and the retry calls only that one", async () => {
    const [ok, failing] = [await scenario(), await scenario()];
    for (const s of [ok, failing]) await s.lagoAnswers(customerUsage(s.metric, one));
    await failing.fault("503", { times: 1 });
    const body = { subscriptionIds: [ok.subscription.id, failing.subscription.id], at: AT };
    const first = await consumeSnapshotBatch([body]);
    expect(first.decided).toEqual(["retry"]);
    expect(first.delays).toEqual([30]);
    const second = await consumeSnapshotBatch([body], 2);
    expect(second.report).toMatchObject({ calls: 1, stored: 1 });
    expect(second.decided).toEqual(["ack"]);
    expect((await ok.calls())).toHaveLength(1);
    expect((await failing.calls())).toHaveLength(2);
  });

  it("waits as long as Lago's Retry-After says", async () => {
    const s = await scenario();
    await s.lagoAnswers(customerUsage(s.metric, one));
    await s.fault("429", { times: 1, retryAfter: 120 });
    const { decided, delays } = await consumeSnapshotBatch([{ subscriptionIds: [s.subscription.id], at: AT }]);
    expect([decided, delays]).toEqual([["retry"], [120]]);
  });

  it("backs off 30 s, doubling per attempt, at most 15 minutes, never below Retry-After", () => {
    expect([1, 2, 3, 6, 10].map((n) => backoffSeconds(n))).toEqual([30, 60, 120, 900, 900]);
    expect(backoffSeconds(1, 300)).toBe(300);
  });

  it("acknowledges a malformed message and a key refused (nothing to retry), and a delivery of done work", async () => {
    const s = await scenario();
    await s.lagoAnswers(customerUsage(s.metric, one));
    await s.fault("401", { times: 1 });
    const bodies = [{ nope: true }, { subscriptionIds: ["not-a-uuid"], at: AT }, { subscriptionIds: [s.subscription.id], at: "yesterday" },
      { subscriptionIds: [s.subscription.id], at: AT }];
    const { decided, report } = await consumeSnapshotBatch(bodies);
    expect(decided).toEqual(["ack", "ack", "ack", "ack"]);
    expect(report.errors.unauthorized).toBe(1);
  });

  it("makes one call and stores one row when the same subscription is delivered twice at once", async () => {
    const s = await scenario();
    await s.lagoAnswers(customerUsage(s.metric, one));
    await s.fault("slow", { times: 1, ms: 300 });
    const body = { subscriptionIds: [s.subscription.id], at: AT };
    const [x, y] = await Promise.all([consumeSnapshotBatch([body]), consumeSnapshotBatch([body, body])]);
    expect(x.report.calls + y.report.calls).toBe(1);
    expect([...x.decided, ...y.decided]).toEqual(["ack", "ack", "ack"]);
    expect(await s.calls()).toHaveLength(1);
    expect(await s.stored()).toHaveLength(1);
  });
});
