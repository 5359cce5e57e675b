CREATE TYPE "public"."subscription_invoicing_reason" AS ENUM('subscription_starting', 'subscription_periodic', 'subscription_terminating', 'in_advance_charge', 'in_advance_charge_periodic', 'progressive_billing');--> statement-breakpoint
CREATE TABLE "invoice_subscriptions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"invoice_id" uuid NOT NULL,
	"subscription_id" uuid NOT NULL,
	"created_at" timestamp(6) DEFAULT now() NOT NULL,
	"updated_at" timestamp(6) DEFAULT now() NOT NULL,
	"recurring" boolean,
	"timestamp" timestamp(6),
	"from_datetime" timestamp(6),
	"to_datetime" timestamp(6),
	"charges_from_datetime" timestamp(6),
	"charges_to_datetime" timestamp(6),
	"invoicing_reason" "subscription_invoicing_reason",
	"organization_id" uuid NOT NULL,
	"regenerated_invoice_id" uuid,
	"fixed_charges_from_datetime" timestamp(6),
	"fixed_charges_to_datetime" timestamp(6)
);
--> statement-breakpoint
CREATE INDEX "index_invoice_subscriptions_on_invoice_id" ON "invoice_subscriptions" USING btree ("invoice_id");--> statement-breakpoint
CREATE INDEX "index_invoice_subscriptions_on_organization_id" ON "invoice_subscriptions" USING btree ("organization_id");--> statement-breakpoint
CREATE INDEX "index_invoice_subscriptions_on_subscription_id" ON "invoice_subscriptions" USING btree ("subscription_id");--> statement-breakpoint
CREATE INDEX "index_invoice_subscriptions_on_subscription_id_and_dates" ON "invoice_subscriptions" USING btree ("subscription_id","from_datetime","to_datetime");