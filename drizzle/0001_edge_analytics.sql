-- Everything the service adds to a Lago database: pre-aggregates (rollups) in a schema of its own,
-- and indexes on Lago's tables that the incremental refresh and the direct queries need.
-- Safe to apply to a live Lago database (primary or logical replica), as often as you like:
--   psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -f drizzle/0001_edge_analytics.sql
-- Every statement is idempotent. Never run it inside a transaction block: the index builds are
-- CONCURRENTLY (they do not block Lago's writes), which PostgreSQL refuses in a transaction.
-- If a concurrent build is interrupted it leaves an INVALID index that IF NOT EXISTS would skip:
-- DROP INDEX CONCURRENTLY it and run this file again.
-- Nothing here writes to Lago's own tables. Until the scheduled refresh has built the rollups the
-- service answers from Lago's tables directly, exactly as without this file.
CREATE SCHEMA IF NOT EXISTS edge_analytics;
--> statement-breakpoint
-- invoiced_usage per (organization, UTC month of fees.created_at, invoice billing entity, currency,
-- billable metric): only fees the contract counts, exact numeric sums, never rounded here. Read
-- when a request filters on billing_entity_code (the metric's code is looked up then).
CREATE TABLE IF NOT EXISTS edge_analytics.invoiced_usage_monthly (
	"organization_id" uuid NOT NULL,
	"month" date NOT NULL,
	"billing_entity_id" uuid,
	"amount_currency" varchar NOT NULL,
	"billable_metric_id" uuid,
	"amount_cents" numeric NOT NULL,
	"fees_count" bigint NOT NULL
);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "invoiced_usage_monthly_on_organization_id_and_month"
	ON edge_analytics.invoiced_usage_monthly ("organization_id", "month");
--> statement-breakpoint
-- The endpoint's answer for one month, summed over billing entities, rounded once and rendered as
-- JSON text in the endpoint's order (src/queries/invoiced-usage-rollup.ts reads it). One row for
-- every currency (currency NULL) and one per currency; a request without billing_entity_code only
-- concatenates a row per month. Codes are the metrics' at refresh time.
CREATE TABLE IF NOT EXISTS edge_analytics.invoiced_usage_json (
	"organization_id" uuid NOT NULL,
	"month" date NOT NULL,
	"currency" varchar,
	"rows_json" text NOT NULL
);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "invoiced_usage_json_on_organization_id_currency_month"
	ON edge_analytics.invoiced_usage_json ("organization_id", "currency", "month");
--> statement-breakpoint
-- Kept in the row, compressed, rather than in TOAST: one page read per month instead of several.
ALTER TABLE edge_analytics.invoiced_usage_json ALTER COLUMN "rows_json" SET STORAGE MAIN;
--> statement-breakpoint
-- usage per (organization, period, metric code, metric id, currency) for granularity 'day', 'week'
-- (ISO, Monday) and 'month': the records of daily_usages.usage_diff -> 'charges_usage'.
CREATE TABLE IF NOT EXISTS edge_analytics.usage_rollup (
	"organization_id" uuid NOT NULL,
	"granularity" text NOT NULL,
	"period_start" date NOT NULL,
	"billable_metric_code" text,
	"billable_metric_id" text,
	"amount_currency" text,
	"units" numeric,
	"amount_cents" numeric,
	"records" bigint NOT NULL
);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "usage_rollup_on_organization_id_granularity_period_start"
	ON edge_analytics.usage_rollup ("organization_id", "granularity", "period_start");
--> statement-breakpoint
-- Per source table, the database time of the last refresh that read it (see src/rollups/collect.ts).
CREATE TABLE IF NOT EXISTS edge_analytics.refresh_watermarks (
	"source" text PRIMARY KEY,
	"watermark" timestamp(6)
);
--> statement-breakpoint
INSERT INTO edge_analytics.refresh_watermarks ("source")
	VALUES ('fees'), ('invoices'), ('charges'), ('billable_metrics'), ('daily_usages')
	ON CONFLICT DO NOTHING;
--> statement-breakpoint
-- A rollup answers requests only once its first full build has finished (built_at set).
CREATE TABLE IF NOT EXISTS edge_analytics.rollup_status (
	"rollup" text PRIMARY KEY,
	"built_at" timestamp(6)
);
--> statement-breakpoint
INSERT INTO edge_analytics.rollup_status ("rollup") VALUES ('invoiced_usage'), ('usage') ON CONFLICT DO NOTHING;
--> statement-breakpoint
-- Buckets to recompute whole: kind 'invoiced_usage' (period_start = month), 'usage_day',
-- 'usage_week', 'usage_month'. A bucket whose recomputation failed keeps failed_at, and its
-- organization is answered from Lago's tables until a retry succeeds.
CREATE TABLE IF NOT EXISTS edge_analytics.dirty_buckets (
	"kind" text NOT NULL,
	"organization_id" uuid NOT NULL,
	"period_start" date NOT NULL,
	"failed_at" timestamp(6),
	"error" text,
	PRIMARY KEY ("kind", "organization_id", "period_start")
);
--> statement-breakpoint
-- On Lago's tables: what changed since a watermark, and daily usage of one organization by date.
CREATE INDEX CONCURRENTLY IF NOT EXISTS "edge_analytics_fees_on_updated_at" ON "fees" USING btree ("updated_at");
--> statement-breakpoint
CREATE INDEX CONCURRENTLY IF NOT EXISTS "edge_analytics_invoices_on_updated_at" ON "invoices" USING btree ("updated_at");
--> statement-breakpoint
CREATE INDEX CONCURRENTLY IF NOT EXISTS "edge_analytics_daily_usages_on_updated_at" ON "daily_usages" USING btree ("updated_at");
--> statement-breakpoint
CREATE INDEX CONCURRENTLY IF NOT EXISTS "edge_analytics_daily_usages_on_organization_id_and_usage_date"
	ON "daily_usages" USING btree ("organization_id", "usage_date");
--> statement-breakpoint
-- The time as of which a rollup holds all of Lago's changes: the start of the last refresh run that
-- left none of its buckets queued. Answers read from the rollup carry it as Last-Modified.
ALTER TABLE edge_analytics.rollup_status ADD COLUMN IF NOT EXISTS "fresh_as_of" timestamp(6);
--> statement-breakpoint
-- invoiced_usage near the UTC month boundaries, per quarter hour: the fees created in the first 12
-- hours of each UTC month and in its last 14. Every zone's offset lies between -12:00 and +14:00 and
-- is a whole number of quarter hours, so a month in any zone is its UTC month plus or minus whole
-- quarter hours of these rows (src/queries/invoiced-usage-zones.ts). `month` is the fee's UTC month,
-- the bucket the refresh recomputes it with.
CREATE TABLE IF NOT EXISTS edge_analytics.invoiced_usage_edges (
	"organization_id" uuid NOT NULL,
	"month" date NOT NULL,
	"slot" timestamp(0) NOT NULL,
	"billing_entity_id" uuid,
	"amount_currency" varchar NOT NULL,
	"billable_metric_id" uuid,
	"amount_cents" numeric NOT NULL,
	"fees_count" bigint NOT NULL
);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "invoiced_usage_edges_on_organization_id_and_slot"
	ON edge_analytics.invoiced_usage_edges ("organization_id", "slot");
--> statement-breakpoint
-- A rollup built before the edges existed has none: its months are queued once, and answers in other
-- zones than UTC come from Lago's tables until the refresh has filled them (rollup invoiced_usage_tz).
INSERT INTO edge_analytics.dirty_buckets (kind, organization_id, period_start)
	SELECT DISTINCT 'invoiced_usage', m.organization_id, m.month FROM edge_analytics.invoiced_usage_monthly m
	WHERE NOT EXISTS (SELECT 1 FROM edge_analytics.rollup_status s WHERE s.rollup = 'invoiced_usage_tz')
	ON CONFLICT DO NOTHING;
--> statement-breakpoint
INSERT INTO edge_analytics.rollup_status ("rollup") VALUES ('invoiced_usage_tz') ON CONFLICT DO NOTHING;
--> statement-breakpoint
-- gross_revenue and invoice_collection per (organization, UTC month, billing entity, currency,
-- payment status): the counted invoices issued that month (their number, total, and the refunds of
-- their finalized credit notes) and, with payment_status NULL, the pay-in-advance fees no invoice
-- holds, created that month. Exact sums, never rounded here (src/queries/gross-revenue.ts).
CREATE TABLE IF NOT EXISTS edge_analytics.revenue_monthly (
	"organization_id" uuid NOT NULL,
	"month" date NOT NULL,
	"billing_entity_id" uuid NOT NULL,
	"currency" varchar NOT NULL,
	"payment_status" integer,
	"invoices_count" bigint NOT NULL,
	"amount_cents" numeric NOT NULL,
	"refund_cents" numeric NOT NULL
);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "revenue_monthly_on_organization_id_and_month"
	ON edge_analytics.revenue_monthly ("organization_id", "month");
--> statement-breakpoint
-- overdue_balance per (organization, UTC month of the due date, billing entity, currency): what the
-- overdue invoices still owe and their ids, sorted (src/queries/overdue-balance.ts).
CREATE TABLE IF NOT EXISTS edge_analytics.revenue_overdue_monthly (
	"organization_id" uuid NOT NULL,
	"month" date NOT NULL,
	"billing_entity_id" uuid NOT NULL,
	"currency" varchar NOT NULL,
	"amount_cents" numeric NOT NULL,
	"invoice_ids" uuid[] NOT NULL
);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "revenue_overdue_monthly_on_organization_id_and_month"
	ON edge_analytics.revenue_overdue_monthly ("organization_id", "month");
--> statement-breakpoint
-- mrr per (organization, issuing month, month the share falls in, billing entity, currency): the exact
-- shares of the subscription fees of invoices issued that month, and for weekly plans the sum of
-- their amounts and their number of invoices (src/queries/mrr.ts). A bucket is its issuing month.
CREATE TABLE IF NOT EXISTS edge_analytics.revenue_mrr (
	"organization_id" uuid NOT NULL,
	"source_month" date NOT NULL,
	"month" date NOT NULL,
	"billing_entity_id" uuid NOT NULL,
	"currency" varchar NOT NULL,
	"shares_cents" numeric NOT NULL,
	"weekly_cents" numeric NOT NULL,
	"weekly_invoices" bigint NOT NULL
);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "revenue_mrr_on_organization_id_and_month"
	ON edge_analytics.revenue_mrr ("organization_id", "month");
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "revenue_mrr_on_organization_id_and_source_month"
	ON edge_analytics.revenue_mrr ("organization_id", "source_month");
--> statement-breakpoint
-- The tables the revenue rollup also follows (what changed since a watermark, see src/rollups/collect.ts).
INSERT INTO edge_analytics.refresh_watermarks ("source")
	VALUES ('credit_notes'), ('plans'), ('subscriptions')
	ON CONFLICT DO NOTHING;
--> statement-breakpoint
CREATE INDEX CONCURRENTLY IF NOT EXISTS "edge_analytics_credit_notes_on_updated_at" ON "credit_notes" USING btree ("updated_at");
--> statement-breakpoint
CREATE INDEX CONCURRENTLY IF NOT EXISTS "edge_analytics_subscriptions_on_updated_at" ON "subscriptions" USING btree ("updated_at");
--> statement-breakpoint
-- Overdue invoices of one organization by due month: a small part of the invoices, so a small index.
CREATE INDEX CONCURRENTLY IF NOT EXISTS "edge_analytics_invoices_overdue_on_organization_id_and_due_date"
	ON "invoices" USING btree ("organization_id", "payment_due_date") WHERE payment_overdue IS TRUE;
--> statement-breakpoint
-- The first time this runs with the revenue rollup, every month of every organization (from its first
-- invoice or its creation, whichever is earlier, to the next month) is queued once: on a database whose
-- other rollups are built already, only these buckets build it; and a refresh of an older deployment
-- (which knows no revenue buckets) can never mark it built while they wait. The four revenue endpoints
-- answer from Lago's tables until it is built.
INSERT INTO edge_analytics.dirty_buckets (kind, organization_id, period_start)
	SELECT DISTINCT 'revenue', o.id, m::date
	FROM organizations o
	CROSS JOIN LATERAL generate_series(
		date_trunc('month', least(o.created_at, coalesce((SELECT min(i.issuing_date) FROM invoices i WHERE i.organization_id = o.id), o.created_at)::timestamp)),
		date_trunc('month', now() AT TIME ZONE 'UTC') + interval '1 month', interval '1 month') AS m
	WHERE NOT EXISTS (SELECT 1 FROM edge_analytics.rollup_status s WHERE s.rollup = 'revenue')
	ON CONFLICT DO NOTHING;
--> statement-breakpoint
INSERT INTO edge_analytics.rollup_status ("rollup") VALUES ('revenue') ON CONFLICT DO NOTHING;
--> statement-breakpoint
-- Each (organization, UTC month) of invoiced_usage counts its recomputations: a zone month rendered
-- from the UTC months around it is valid only while their generations are the ones it was read with.
CREATE TABLE IF NOT EXISTS edge_analytics.invoiced_usage_generations (
	"organization_id" uuid NOT NULL,
	"month" date NOT NULL,
	"generation" bigint NOT NULL,
	PRIMARY KEY ("organization_id", "month")
);
--> statement-breakpoint
-- invoiced_usage months in a time zone other than UTC, rendered by the first request that needed them
-- (all currencies: currency ''; or one currency), with the sum of the generations of the UTC months
-- m-1..m+1 they were read from in the same snapshot (src/queries/invoiced-usage-zones.ts). A row
-- whose generation is no longer that sum is never served: the month is rendered again.
CREATE TABLE IF NOT EXISTS edge_analytics.invoiced_usage_zone_json (
	"organization_id" uuid NOT NULL,
	"zone" text NOT NULL,
	"currency" varchar NOT NULL,
	"month" date NOT NULL,
	"generation" bigint NOT NULL,
	"rows_json" text NOT NULL,
	PRIMARY KEY ("organization_id", "zone", "currency", "month")
);
--> statement-breakpoint
-- Collecting in bounded chunks (src/rollups/collect.ts): each source's pass in progress (when it
-- started, its snapshot, where its last chunk stopped) and the snapshot of its last finished pass,
-- whose rows are not queued again when the overlap re-reads them.
ALTER TABLE edge_analytics.refresh_watermarks
	ADD COLUMN IF NOT EXISTS "snapshot" text,
	ADD COLUMN IF NOT EXISTS "pass_started" timestamp(6),
	ADD COLUMN IF NOT EXISTS "pass_snapshot" text,
	ADD COLUMN IF NOT EXISTS "cursor_updated_at" timestamp(6),
	ADD COLUMN IF NOT EXISTS "cursor_id" uuid;
--> statement-breakpoint
-- Chunks are read in (updated_at, id) order from where the last one stopped: these replace the
-- updated_at indexes above, so a chunk is an index range scan of its own rows.
CREATE INDEX CONCURRENTLY IF NOT EXISTS "edge_analytics_fees_on_updated_at_id" ON "fees" USING btree ("updated_at", "id");
--> statement-breakpoint
CREATE INDEX CONCURRENTLY IF NOT EXISTS "edge_analytics_invoices_on_updated_at_id" ON "invoices" USING btree ("updated_at", "id");
--> statement-breakpoint
CREATE INDEX CONCURRENTLY IF NOT EXISTS "edge_analytics_daily_usages_on_updated_at_id" ON "daily_usages" USING btree ("updated_at", "id");
--> statement-breakpoint
CREATE INDEX CONCURRENTLY IF NOT EXISTS "edge_analytics_credit_notes_on_updated_at_id" ON "credit_notes" USING btree ("updated_at", "id");
--> statement-breakpoint
CREATE INDEX CONCURRENTLY IF NOT EXISTS "edge_analytics_subscriptions_on_updated_at_id" ON "subscriptions" USING btree ("updated_at", "id");
--> statement-breakpoint
DROP INDEX CONCURRENTLY IF EXISTS "edge_analytics_fees_on_updated_at";
--> statement-breakpoint
DROP INDEX CONCURRENTLY IF EXISTS "edge_analytics_invoices_on_updated_at";
--> statement-breakpoint
DROP INDEX CONCURRENTLY IF EXISTS "edge_analytics_daily_usages_on_updated_at";
--> statement-breakpoint
DROP INDEX CONCURRENTLY IF EXISTS "edge_analytics_credit_notes_on_updated_at";
--> statement-breakpoint
DROP INDEX CONCURRENTLY IF EXISTS "edge_analytics_subscriptions_on_updated_at";
--> statement-breakpoint
-- Pay-in-advance fees no invoice holds (gross_revenue's instant fees), by organization and creation
-- time: a small part of the fees, so a small index; without it each month reads every uninvoiced fee.
CREATE INDEX CONCURRENTLY IF NOT EXISTS "edge_analytics_fees_instant" ON "fees" USING btree ("organization_id", "created_at")
	WHERE "invoice_id" IS NULL AND "pay_in_advance" IS TRUE AND "deleted_at" IS NULL;
--> statement-breakpoint
-- An invoice changed (finalized, voided, a dispute lost): the months of its fees, read from this
-- index alone. Through Lago's index on invoice_id each fee's row was fetched for its creation time;
-- after a bulk touch of every invoice that was most of a refresh.
CREATE INDEX CONCURRENTLY IF NOT EXISTS "edge_analytics_fees_on_invoice_id_created_at" ON "fees" USING btree ("invoice_id", "created_at")
	INCLUDE ("organization_id");
--> statement-breakpoint
-- The oldest transaction in flight when each source's last pass (and the open one) took its
-- snapshot, and where the settled re-check has read to (src/rollups/collect.ts).
ALTER TABLE edge_analytics.refresh_watermarks
	ADD COLUMN IF NOT EXISTS "in_flight_since" timestamp(6),
	ADD COLUMN IF NOT EXISTS "pass_in_flight_since" timestamp(6),
	ADD COLUMN IF NOT EXISTS "settled_updated_at" timestamp(6),
	ADD COLUMN IF NOT EXISTS "settled_id" uuid;
--> statement-breakpoint
-- Each finished pass: the stamps it read from (since) and the snapshot it read them in.
CREATE TABLE IF NOT EXISTS edge_analytics.refresh_passes (
	"source" text NOT NULL,
	"since" timestamp(6) NOT NULL,
	"snapshot" text NOT NULL,
	PRIMARY KEY ("source", "since")
);
--> statement-breakpoint
-- A month of invoiced usage recomputed from this index alone (an index-only scan): the charge fees'
-- invoice, charge, currency and amounts by organization and creation time. Through Lago's index each
-- fee's row was fetched from the table, one page per fee (about 27k pages per month at 1M fees);
-- that was most of the time a day's writes took to reach the answers. About 60 bytes per charge fee.
CREATE INDEX CONCURRENTLY IF NOT EXISTS "edge_analytics_fees_charge_months" ON "fees" USING btree ("organization_id", "created_at")
	INCLUDE ("invoice_id", "charge_id", "amount_currency", "amount_cents", "precise_coupons_amount_cents")
	WHERE "deleted_at" IS NULL AND "fee_type" = 0 AND "invoiceable_type" = 'Charge';
--> statement-breakpoint
-- Daily usage the service takes itself for organizations Lago writes none for (Lago fills
-- daily_usages only with its premium revenue analytics; docs/usage-snapshots.md): Lago's
-- daily_usages columns, one row per (subscription, usage_date). The usage answers read them beside
-- Lago's rows, Lago's row winning for the same (subscription, day).
CREATE TABLE IF NOT EXISTS edge_analytics.usage_snapshots (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"customer_id" uuid NOT NULL,
	"subscription_id" uuid NOT NULL,
	"external_subscription_id" varchar NOT NULL,
	"from_datetime" timestamp(6) NOT NULL,
	"to_datetime" timestamp(6) NOT NULL,
	"usage" jsonb NOT NULL,
	"usage_diff" jsonb NOT NULL,
	"usage_date" date NOT NULL,
	"refreshed_at" timestamp(6) NOT NULL,
	"created_at" timestamp(6) DEFAULT (now() AT TIME ZONE 'UTC') NOT NULL,
	"updated_at" timestamp(6) DEFAULT (now() AT TIME ZONE 'UTC') NOT NULL,
	UNIQUE ("subscription_id", "usage_date")
);
--> statement-breakpoint
-- The refresh follows it like Lago's tables, in (updated_at, id) order.
CREATE INDEX IF NOT EXISTS "usage_snapshots_on_updated_at_id" ON edge_analytics.usage_snapshots ("updated_at", "id");
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "usage_snapshots_on_organization_id_and_usage_date" ON edge_analytics.usage_snapshots ("organization_id", "usage_date");
--> statement-breakpoint
INSERT INTO edge_analytics.refresh_watermarks ("source") VALUES ('usage_snapshots') ON CONFLICT DO NOTHING;
--> statement-breakpoint
-- At most one call to Lago per subscription and local day (src/snapshots/): a row claims the call
-- before it is made. outcome NULL: in flight (a claim older than 10 minutes is taken over: its
-- worker died); 'queued': sent to the snapshot queue (not sent again for 30 minutes); 'stored',
-- 'empty' (nothing measured), 'skipped' (Lago said 404 or 405): done for the day. A call that
-- failed in a way worth trying again gives its claim back.
CREATE TABLE IF NOT EXISTS edge_analytics.usage_snapshot_calls (
	"subscription_id" uuid NOT NULL,
	"usage_date" date NOT NULL,
	"organization_id" uuid NOT NULL,
	"claimed_at" timestamp(6) NOT NULL,
	"outcome" text,
	PRIMARY KEY ("subscription_id", "usage_date")
);
--> statement-breakpoint
-- Per organization the service takes snapshots for: when it began, the last local day stored, the
-- last error's class and since when. refused_keys: a fingerprint (ids and update times, never a
-- key) of the live keys Lago refused; no call is made for the organization until its keys change.
CREATE TABLE IF NOT EXISTS edge_analytics.usage_snapshot_status (
	"organization_id" uuid PRIMARY KEY,
	"started_at" timestamp(6) NOT NULL,
	"last_day_done" date,
	"last_error" text,
	"error_since" timestamp(6),
	"refused_keys" text
);
