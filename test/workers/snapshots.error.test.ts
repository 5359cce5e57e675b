// What the usage snapshots do when Lago's API fails or answers something else (the stand-in's
// faults, per subscription): nothing is stored from a failed call, the subscription stays due where
// trying again makes sense, a refused key stops that organization only, and a day never gets two rows.
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { testDb } from "./helpers/db.ts";
import { customerUsage } from "../../scripts/lago-api/stand-in.ts";
import { snapshotScenario as scenario } from "./helpers/snapshots.ts";

const AT = "2025-03-11T01:00:00Z";
const LATER = "2025-03-11T02:00:00Z";
const one = (id = "ch_1") => [{ id, units: "1.5", amount: 150, events: 3 }];

async function status(organizationId: string) {
  return (await testDb.execute<{ last_error: string | null; last_day_done: string | null; refused: boolean }>(sql`
    SELECT last_error, to_char(last_day_done, 'YYYY-MM-DD') AS last_day_done, refused_keys IS NOT NULL AS refused
    FROM edge_analytics.usage_snapshot_status WHERE organization_id = ${organizationId}`)).rows[0];
}

describe("usage snapshots: Lago's faults", () => {
  it.each(["500", "503"])("a %s stores nothing; the next run of the same day asks again and stores the day once", async (kind) => {
    const s = await scenario();
    await s.lagoAnswers(customerUsage(s.metric, one()));
    await s.fault(kind, { times: 1 });
    expect(await s.run(AT)).toMatchObject({ calls: 1, stored: 0, errors: { unreachable: 1 } });
    expect(await s.stored()).toEqual([]);
    expect(await status(s.org.id)).toMatchObject({ last_error: "unreachable" });
    expect(await s.run(LATER)).toMatchObject({ calls: 1, stored: 1 });
    expect((await s.stored()).map((r) => r.usage_date)).toEqual(["2025-03-10"]);
    expect(await status(s.org.id)).toMatchObject({ last_error: null, last_day_done: "2025-03-10" });
  });

  it("a 429 with Retry-After is tried again later, as an unreachable Lago", async () => {
    const s = await scenario();
    await s.lagoAnswers(customerUsage(s.metric, one()));
    await s.fault("429", { times: 1, retryAfter: 30 });
    expect(await s.run(AT)).toMatchObject({ calls: 1, errors: { unreachable: 1 } });
    expect(await s.run(LATER)).toMatchObject({ calls: 1, stored: 1 });
  });

  it("a call slower than its timeout stores nothing and is tried again", async () => {
    const s = await scenario();
    await s.lagoAnswers(customerUsage(s.metric, one()));
    await s.fault("slow", { times: 1, ms: 3_000 });
    expect(await s.run(AT, { timeoutMs: 500 })).toMatchObject({ calls: 1, stored: 0, errors: { unreachable: 1 } });
    expect(await s.run(LATER)).toMatchObject({ calls: 1, stored: 1 });
  });

  it.each(["html", "truncated", "wrong-types", "huge"])("a 200 that is not a CustomerUsage (%s) stores nothing, and the day stays due", async (kind) => {
    const s = await scenario();
    await s.lagoAnswers(customerUsage(s.metric, one()));
    await s.fault(kind, { times: 1 });
    expect(await s.run(AT)).toMatchObject({ calls: 1, stored: 0, errors: { malformed: 1 } });
    expect(await s.stored()).toEqual([]);
    expect(await status(s.org.id)).toMatchObject({ last_error: "malformed" });
    expect(await s.run(LATER)).toMatchObject({ calls: 1, stored: 1 });
  });

  it.each(["404", "405"])("a %s skips the subscription for the day: no row, not asked again that day, asked the next", async (kind) => {
    const s = await scenario();
    await s.lagoAnswers(customerUsage(s.metric, one()));
    await s.fault(kind, { times: 1 });
    expect(await s.run(AT)).toMatchObject({ calls: 1, skipped: 1, stored: 0 });
    expect(await s.run(LATER)).toMatchObject({ calls: 0 });
    expect(await s.run("2025-03-12T01:00:00Z")).toMatchObject({ calls: 1, stored: 1 });
  });

  it.each(["401", "403"])("a %s stops that organization until its keys change, and no other", async (kind) => {
    const s = await scenario();
    const other = await scenario();
    await s.lagoAnswers(customerUsage(s.metric, one()));
    await other.lagoAnswers(customerUsage(other.metric, one()));
    await s.fault(kind);
    expect(await s.run(AT)).toMatchObject({ calls: 1, errors: { unauthorized: 1 } });
    expect(await status(s.org.id)).toMatchObject({ last_error: "unauthorized", refused: true });
    expect(await s.run(LATER)).toMatchObject({ calls: 0 });
    expect(await other.run(AT)).toMatchObject({ calls: 1, stored: 1 });
    // A new key: the organization is asked again (the stand-in now accepts it).
    await s.fault("500", { times: 0 });
    await testDb.execute(sql`UPDATE api_keys SET updated_at = updated_at + interval '1 second' WHERE organization_id = ${s.org.id}`);
    expect(await s.run(LATER)).toMatchObject({ calls: 1, stored: 1 });
  });
});

describe("usage snapshots: two runs at once", () => {
  it("call Lago once for a subscription's day and store one row", async () => {
    const s = await scenario();
    await s.lagoAnswers(customerUsage(s.metric, one()));
    await s.fault("slow", { times: 1, ms: 300 });
    const [a, b] = await Promise.all([s.run(AT), s.run(AT)]);
    expect(a.calls + b.calls).toBe(1);
    expect(a.stored + b.stored).toBe(1);
    expect(await s.calls()).toHaveLength(1);
    expect(await s.stored()).toHaveLength(1);
  });
});
