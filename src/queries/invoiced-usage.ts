import { and, desc, eq, inArray, isNull, sql, type SQL } from "drizzle-orm";
import { billableMetrics, charges, fees, invoices, organizations } from "../db/schema/index.ts";
import type { Database } from "../env.ts";
import { countedInvoice, FEE_TYPE_CHARGE, utcInstantText } from "./fragments.ts";
import { localTime, monthStartText, utcInstant } from "../time/zones.ts";

export type InvoicedUsageFilters = {
  currency: string | undefined;
  /**
   * Months are calendar months in this IANA zone; undefined = UTC, where `from` and `toExclusive`
   * bound fees.created_at directly.
   */
  timeZone?: string | undefined;
  /** Inclusive lower bound, a month start in the zone; undefined = the organization's creation month. */
  from: string | undefined;
  toExclusive: string;
  /** Billing entities whose invoices count; undefined = all. */
  billingEntityIds: string[] | undefined;
};

export type InvoicedUsageRow = { month: string; code: string | null; currency: string; amountCents: string };

// Summed as numeric (exact) and rounded once per row; Postgres rounds numeric half away from zero.
const amountCents = sql`round(sum(${fees.amountCents} - ${fees.preciseCouponsAmountCents}))`;

/**
 * How fees fall into months: what to group and sort by, the month's text in the answer (the first
 * column), and the window's bounds.
 */
type MonthScheme = { group: SQL; text: SQL; from: SQL; toExclusive: SQL };

/** Revenue of finalized, usage-based (charge) fees per month, metric code and currency. */
export function invoicedUsage(db: Database, organizationId: string, filters: InvoicedUsageFilters) {
  return revenueByMonth(db, organizationId, filters, filters.timeZone === undefined ? utcMonths(organizationId, filters) : zoneMonths(organizationId, filters, filters.timeZone));
}

function utcMonths(organizationId: string, filters: InvoicedUsageFilters): MonthScheme {
  const month = sql`date_trunc('month', ${fees.createdAt})`;
  return {
    group: month,
    text: utcInstantText(month),
    from: filters.from === undefined ? organizationStartMonth(organizationId) : sql`${filters.from}`,
    toExclusive: sql`${filters.toExclusive}`,
  };
}

/**
 * Calendar months in `zone`. The bounds are local month starts turned into UTC instants, so
 * fees.created_at is compared as stored (its index stays usable).
 */
function zoneMonths(organizationId: string, filters: InvoicedUsageFilters, zone: string): MonthScheme {
  const month = sql`date_trunc('month', ${localTime(sql`${fees.createdAt}`, zone)})`;
  const from = filters.from === undefined
    ? sql`(SELECT date_trunc('month', ${localTime(sql`${organizations.createdAt}`, zone)}) FROM ${organizations} WHERE ${organizations.id} = ${organizationId})`
    : sql`${filters.from}::timestamp`;
  return {
    // The zone is a bound parameter each time it appears, so PostgreSQL cannot see that the text and
    // a GROUP BY on the month are the same expression: group and sort by the first column itself
    // (one text per local month, and its 'YYYY-MM-DD…' text sorts as the months do).
    group: sql.raw("1"),
    text: monthStartText(month, zone),
    from: utcInstant(from, zone),
    toExclusive: utcInstant(sql`${filters.toExclusive}::timestamp`, zone),
  };
}

function revenueByMonth(db: Database, organizationId: string, filters: InvoicedUsageFilters, months: MonthScheme) {
  const conditions: (SQL | undefined)[] = [
    eq(fees.organizationId, organizationId),
    eq(invoices.organizationId, organizationId),
    isNull(fees.deletedAt),
    eq(fees.feeType, FEE_TYPE_CHARGE),
    eq(fees.invoiceableType, "Charge"),
    countedInvoice(sql`${invoices}`),
    sql`${fees.createdAt} >= ${months.from}`,
    sql`${fees.createdAt} < ${months.toExclusive}`,
    filters.currency ? eq(fees.amountCurrency, filters.currency) : undefined,
    filters.billingEntityIds ? inArray(invoices.billingEntityId, filters.billingEntityIds) : undefined,
  ];
  return (
    db
      .select({
        month: sql<string>`${months.text}`,
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
      .groupBy(months.group, billableMetrics.code, fees.amountCurrency)
      // Byte order (COLLATE "C") so ties break the same way whatever the database's locale.
      .orderBy(
        desc(months.group),
        desc(amountCents),
        sql`${billableMetrics.code} COLLATE "C" NULLS LAST`,
        sql`${fees.amountCurrency} COLLATE "C"`,
      )
  );
}

function organizationStartMonth(organizationId: string): SQL {
  return sql`(SELECT date_trunc('month', ${organizations.createdAt}) FROM ${organizations} WHERE ${organizations.id} = ${organizationId})`;
}
