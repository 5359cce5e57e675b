// The four revenue endpoints in the benchmark: their default answer (every month since the
// organization's creation, no filter) from the rollup and from Lago's tables, and Lago's own SQL for
// each when given (a directory holding <endpoint>.sql, $1 the organization id).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { grossRevenueAnswers, invoiceCollectionAnswers } from "../../src/queries/gross-revenue.ts";
import { mrrAnswers } from "../../src/queries/mrr.ts";
import { overdueBalanceAnswers } from "../../src/queries/overdue-balance.ts";
import { type Answers, readAnswer, readDirect, readStored, type RevenueFilters } from "../../src/queries/revenue-window.ts";
import { monthWindow } from "../../src/time/utc-months.ts";
import type { Database } from "../../src/env.ts";

export const REVENUE_ENDPOINTS = [
  { key: "grossRevenue", name: "gross_revenue", answers: grossRevenueAnswers },
  { key: "invoiceCollection", name: "invoice_collection", answers: invoiceCollectionAnswers },
  { key: "mrr", name: "mrr", answers: mrrAnswers },
  { key: "overdueBalance", name: "overdue_balance", answers: overdueBalanceAnswers },
] as const satisfies readonly { key: string; name: string; answers: (organizationId: string, filters: RevenueFilters) => Answers }[];

export type RevenueKey = (typeof REVENUE_ENDPOINTS)[number]["key"];

export const revenueFilters = (now: Date): RevenueFilters => ({ ...monthWindow(now, undefined), currency: undefined, billingEntityIds: undefined });

/** Lago's SQL per endpoint name, from `dir/<name>.sql`; endpoints without a file are left out. */
export function lagoRevenueSql(dir: string | undefined): Partial<Record<RevenueKey, string>> {
  if (dir === undefined) return {};
  return Object.fromEntries(REVENUE_ENDPOINTS.flatMap((e) => {
    const path = join(dir, `${e.name}.sql`);
    return existsSync(path) ? [[e.key, readFileSync(path, "utf8")]] : [];
  }));
}

/** The endpoint's read as the route makes it (the rollup when it may answer). */
export const serviceRead = (db: Database, organizationId: string, now: Date, e: (typeof REVENUE_ENDPOINTS)[number]) => () =>
  readAnswer(db, organizationId, revenueFilters(now), e.answers(organizationId, revenueFilters(now)), true);

export const directRead = (db: Database, organizationId: string, now: Date, e: (typeof REVENUE_ENDPOINTS)[number]) => () =>
  readDirect(db, organizationId, revenueFilters(now), e.answers(organizationId, revenueFilters(now)).direct);

/** Whether the rollup answers every endpoint, identically to the direct query, and with how many rows. */
export async function checkRevenue(db: Database, organizationId: string, now: Date): Promise<{ identical: boolean; rows: number[]; overdueIds: number }> {
  let identical = true;
  const rows: number[] = [];
  let overdueIds = 0;
  for (const e of REVENUE_ENDPOINTS) {
    const f = revenueFilters(now);
    const both = e.answers(organizationId, f);
    const stored = await readStored(db, organizationId, f, both.stored);
    const direct = await readDirect(db, organizationId, f, both.direct);
    identical &&= stored !== undefined && isDeepStrictEqual(stored.rows, direct);
    rows.push(direct.length);
    if (e.key === "overdueBalance") overdueIds = (direct as { lago_invoice_ids: string[] }[]).reduce((n, r) => n + r.lago_invoice_ids.length, 0);
  }
  return { identical, rows, overdueIds };
}
