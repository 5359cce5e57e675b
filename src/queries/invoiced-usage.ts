import { and, desc, eq, gte, inArray, isNull, lt, sql, type SQL } from "drizzle-orm";
import { billableMetrics, charges, fees, invoices, organizations } from "../db/schema/index.ts";
import type { Database } from "../env.ts";

export const FEE_TYPE_CHARGE = 0;
export const INVOICE_STATUS_FINALIZED = 1;

export type InvoicedUsageFilters = {
  currency: string | undefined;
  /** Inclusive lower bound on fees.created_at; undefined = the organization's creation month. */
  from: string | undefined;
  toExclusive: string;
  /** Billing entities whose invoices count; undefined = all. */
  billingEntityIds: string[] | undefined;
};

export type InvoicedUsageRow = { month: string; code: string | null; currency: string; amountCents: string };

const monthStart = sql`date_trunc('month', ${fees.createdAt})`;
// Summed as numeric (exact) and rounded once per row; Postgres rounds numeric half away from zero.
const amountCents = sql`round(sum(${fees.amountCents} - ${fees.preciseCouponsAmountCents}))`;

/** Revenue of finalized, usage-based (charge) fees per UTC month, metric code and currency. */
export function invoicedUsage(db: Database, organizationId: string, filters: InvoicedUsageFilters) {
  const conditions: (SQL | undefined)[] = [
    eq(fees.organizationId, organizationId),
    eq(invoices.organizationId, organizationId),
    isNull(fees.deletedAt),
    eq(fees.feeType, FEE_TYPE_CHARGE),
    eq(fees.invoiceableType, "Charge"),
    eq(invoices.status, INVOICE_STATUS_FINALIZED),
    eq(invoices.selfBilled, false),
    isNull(invoices.paymentDisputeLostAt),
    gte(fees.createdAt, filters.from ?? organizationStartMonth(organizationId)),
    lt(fees.createdAt, filters.toExclusive),
    filters.currency ? eq(fees.amountCurrency, filters.currency) : undefined,
    filters.billingEntityIds ? inArray(invoices.billingEntityId, filters.billingEntityIds) : undefined,
  ];
  return (
    db
      .select({
        month: sql<string>`to_char(${monthStart}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
        code: billableMetrics.code,
        currency: fees.amountCurrency,
        amountCents: sql<string>`${amountCents}::text`,
      })
      .from(fees)
      .innerJoin(invoices, eq(invoices.id, fees.invoiceId))
      // Left joins: a fee keeps its revenue even if its charge or metric row were ever missing.
      // Deleted charges and metrics are joined too, on purpose: the revenue was real.
      .leftJoin(charges, eq(charges.id, fees.chargeId))
      .leftJoin(billableMetrics, eq(billableMetrics.id, charges.billableMetricId))
      .where(and(...conditions))
      .groupBy(monthStart, billableMetrics.code, fees.amountCurrency)
      // Byte order (COLLATE "C") so ties break the same way whatever the database's locale.
      .orderBy(
        desc(monthStart),
        desc(amountCents),
        sql`${billableMetrics.code} COLLATE "C" NULLS LAST`,
        sql`${fees.amountCurrency} COLLATE "C"`,
      )
  );
}

function organizationStartMonth(organizationId: string): SQL {
  return sql`(SELECT date_trunc('month', ${organizations.createdAt}) FROM ${organizations} WHERE ${organizations.id} = ${organizationId})`;
}
