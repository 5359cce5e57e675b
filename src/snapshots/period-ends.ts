// The last day of a billing period, from Lago's own tables rather than its API, as Lago's
// DailyUsages::FillFromInvoiceService writes it: when a periodic or terminating invoice is
// finalized, the period's last local day gets the usage the invoice billed (its charge fees that
// measured something) plus the period's pay-in-advance charge fees. Only for the organizations the
// service takes snapshots of, and only for invoices finalized since it began (a past period is
// never dumped whole on its last day).
import { sql } from "drizzle-orm";
import { addDecimals } from "../decimal.ts";
import type { Database } from "../env.ts";
import { dateText, FEE_TYPE_CHARGE, INVOICE_STATUS_FINALIZED, utcSecondText } from "../queries/fragments.ts";
import type { ChargeUsage, CustomerUsage, GroupedUsage } from "./customer-usage.ts";
import { APPLICABLE_TIMEZONE, dayNotStored, type DueSubscription, knownZone, LAGO_WRITES_USAGE, uuidList } from "./due.ts";
import { storeSnapshot } from "./store.ts";

/** One fee of a period end, with what Lago's usage serializer says of its charge and metric. */
export type PeriodEndFee = {
  charge_id: string;
  charge_model: string | null;
  charge_display_name: string | null;
  metric_id: string;
  metric_name: string;
  metric_code: string;
  aggregation_type: string | null;
  units: string;
  events_count: number;
  amount_cents: number;
  taxes_amount_cents: number;
  amount_currency: string;
  grouped_by: Record<string, unknown> | null;
};

export type PeriodEnd = Pick<DueSubscription, "subscription_id" | "external_subscription_id" | "organization_id" | "customer_id" | "usage_date"> & {
  from_datetime: string;
  to_datetime: string;
  issuing_date: string | null;
  currency: string | null;
  fees: PeriodEndFee[];
};

/** Period ends finalized this long ago at most are looked for: bounds the scan, covers any outage of the cron. */
const LOOK_BACK = "31 days";
/** Invoices issued this long ago at most: LOOK_BACK plus any grace period before finalization Lago would allow in practice. */
const ISSUED_LOOK_BACK = "62 days";
const BATCH = 200;

// Lago's enums as its serializer writes them (Charge#charge_model, BillableMetric#aggregation_type).
const CHARGE_MODELS = sql.raw(`ARRAY['standard', 'graduated', 'package', 'percentage', 'volume', 'graduated_percentage', 'custom', 'dynamic']`);
const AGGREGATIONS = sql.raw(`ARRAY['count_agg', 'sum_agg', 'max_agg', 'unique_count_agg', NULL, 'weighted_sum_agg', 'latest_agg', 'custom_agg']`);

/** The period ends not stored yet, at most BATCH. */
export async function pendingPeriodEnds(db: Database, now: Date, organizationIds?: string[]): Promise<PeriodEnd[]> {
  const at = sql`(${now.toISOString()}::timestamptz AT TIME ZONE 'UTC')`;
  const only = organizationIds ? sql`AND st.organization_id IN (${uuidList(organizationIds)})` : sql``;
  const finalized = sql`coalesce(i.finalized_at, i.updated_at)`;
  const wholeSecond = (t: string) => utcSecondText(sql`date_trunc('second', ${sql.raw(`e.${t}`)})`);
  const sameMillisecond = (property: string, boundary: string) => sql.raw(`
    (f.properties ->> '${property}') ~ '^\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}:\\d{2}'
    AND date_trunc('milliseconds', ((f.properties ->> '${property}')::timestamptz AT TIME ZONE 'UTC')) = date_trunc('milliseconds', e.${boundary})`);
  const result = await db.execute<PeriodEnd>(sql`
    WITH ends AS (
      SELECT isub.subscription_id, s.external_id AS external_subscription_id, s.organization_id, s.customer_id, isub.invoice_id,
        i.currency, i.issuing_date, isub.charges_from_datetime, isub.charges_to_datetime,
        ((isub.charges_to_datetime AT TIME ZONE 'UTC') AT TIME ZONE z.tz)::date AS usage_date
      FROM edge_analytics.usage_snapshot_status st
      JOIN organizations o ON o.id = st.organization_id
      JOIN invoice_subscriptions isub ON isub.organization_id = st.organization_id
      JOIN invoices i ON i.id = isub.invoice_id AND i.organization_id = st.organization_id
      JOIN subscriptions s ON s.id = isub.subscription_id AND s.organization_id = st.organization_id
      JOIN customers c ON c.id = s.customer_id AND c.organization_id = st.organization_id
      LEFT JOIN billing_entities be ON be.id = c.billing_entity_id
      CROSS JOIN LATERAL (SELECT ${APPLICABLE_TIMEZONE} AS tz) z
      WHERE i.status = ${sql.raw(String(INVOICE_STATUS_FINALIZED))}
        AND isub.invoicing_reason IN ('subscription_periodic', 'subscription_terminating')
        AND isub.charges_from_datetime IS NOT NULL AND isub.charges_to_datetime IS NOT NULL
        AND ${finalized} >= st.started_at AND ${finalized} >= ${at} - ${LOOK_BACK}::interval
        -- Read through Lago's (organization_id, issuing_date) index, so that a cron run reads the
        -- last weeks' invoices, not the organization's history; an invoice is issued at most a grace
        -- period before it is finalized.
        AND i.issuing_date >= (${at} - ${ISSUED_LOOK_BACK}::interval)::date
        AND NOT ${LAGO_WRITES_USAGE} AND ${knownZone(sql`z.tz`)}
        ${only}
    )
    SELECT e.subscription_id, e.external_subscription_id, e.organization_id, e.customer_id,
      ${dateText(sql`e.usage_date`)} AS usage_date, ${wholeSecond("charges_from_datetime")} AS from_datetime,
      ${wholeSecond("charges_to_datetime")} AS to_datetime, ${dateText(sql`e.issuing_date`)} AS issuing_date, e.currency,
      coalesce((
        SELECT jsonb_agg(jsonb_build_object(
          'charge_id', ch.id, 'charge_model', (${CHARGE_MODELS})[ch.charge_model + 1], 'charge_display_name', ch.invoice_display_name,
          'metric_id', bm.id, 'metric_name', bm.name, 'metric_code', bm.code, 'aggregation_type', (${AGGREGATIONS})[bm.aggregation_type + 1],
          'units', trim_scale(f.units)::text, 'events_count', coalesce(f.events_count, 0), 'amount_cents', f.amount_cents,
          'taxes_amount_cents', f.taxes_amount_cents, 'amount_currency', f.amount_currency,
          'grouped_by', CASE WHEN f.grouped_by = '{}'::jsonb THEN NULL ELSE f.grouped_by END)
          -- Charges, and each charge's groups, in a stable order.
          ORDER BY bm.code, ch.id, f.grouped_by::text, f.id)
        FROM fees f
        JOIN charges ch ON ch.id = f.charge_id
        JOIN billable_metrics bm ON bm.id = ch.billable_metric_id
        WHERE f.subscription_id = e.subscription_id AND f.organization_id = e.organization_id
          AND f.fee_type = ${sql.raw(String(FEE_TYPE_CHARGE))} AND f.deleted_at IS NULL
          AND ((f.invoice_id = e.invoice_id AND f.units > 0)
            OR (f.pay_in_advance AND f.pay_in_advance_event_transaction_id IS NOT NULL
              AND ${sameMillisecond("charges_from_datetime", "charges_from_datetime")}
              AND ${sameMillisecond("charges_to_datetime", "charges_to_datetime")}))
      ), '[]'::jsonb) AS fees
    FROM ends e
    WHERE ${dayNotStored(sql`e.subscription_id`, sql`e.usage_date`)}
    ORDER BY e.organization_id, e.subscription_id, e.usage_date
    LIMIT ${BATCH}`);
  return result.rows;
}

type Measured = { units: string[]; events_count: number; amount_cents: number };

const measured = (m: Measured) => ({ units: addDecimals(m.units), events_count: m.events_count, amount_cents: m.amount_cents });

function add(into: Measured, fee: PeriodEndFee): void {
  into.units.push(fee.units);
  into.events_count += fee.events_count;
  into.amount_cents += fee.amount_cents;
}

/**
 * The period end's usage as Lago's usage serializer shapes an invoice's fees: one entry per charge
 * (their fees summed), its grouped usage per `grouped_by`. Filters are not rebuilt (the service does
 * not read Lago's charge filter tables): the charge's own figures include its filters' fees.
 */
export function periodEndUsage(end: PeriodEnd): CustomerUsage {
  const charges = new Map<string, { fee: PeriodEndFee; total: Measured; groups: Map<string, { by: Record<string, unknown>; total: Measured }> }>();
  let amount = 0;
  let taxes = 0;
  for (const fee of end.fees) {
    amount += fee.amount_cents;
    taxes += fee.taxes_amount_cents;
    let charge = charges.get(fee.charge_id);
    if (!charge) charges.set(fee.charge_id, charge = { fee, total: { units: [], events_count: 0, amount_cents: 0 }, groups: new Map() });
    add(charge.total, fee);
    if (fee.grouped_by) {
      const key = JSON.stringify(fee.grouped_by);
      let group = charge.groups.get(key);
      if (!group) charge.groups.set(key, group = { by: fee.grouped_by, total: { units: [], events_count: 0, amount_cents: 0 } });
      add(group.total, fee);
    }
  }
  const charges_usage: ChargeUsage[] = [...charges.values()].map(({ fee, total, groups }) => ({
    ...measured(total),
    amount_currency: fee.amount_currency,
    charge: { lago_id: fee.charge_id, charge_model: fee.charge_model, invoice_display_name: fee.charge_display_name },
    billable_metric: { lago_id: fee.metric_id, name: fee.metric_name, code: fee.metric_code, aggregation_type: fee.aggregation_type },
    filters: [],
    grouped_usage: [...groups.values()].map((g): GroupedUsage => ({ grouped_by: g.by, ...measured(g.total), filters: [] })),
  }));
  return {
    from_datetime: end.from_datetime,
    to_datetime: end.to_datetime,
    issuing_date: end.issuing_date,
    currency: end.currency,
    amount_cents: amount,
    taxes_amount_cents: taxes,
    total_amount_cents: amount + taxes,
    charges_usage,
  };
}

/** Stores every pending period end (they are few: one per subscription and period). How many were stored. */
export async function fillPeriodEnds(db: Database, now: Date, organizationIds?: string[]): Promise<number> {
  let stored = 0;
  for (;;) {
    const ends = await pendingPeriodEnds(db, now, organizationIds);
    for (const end of ends) {
      await storeSnapshot(db, end, periodEndUsage(end));
      stored++;
    }
    if (ends.length < BATCH) return stored;
  }
}
