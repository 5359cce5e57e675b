import {
  apiKeys,
  billableMetrics,
  billingEntities,
  charges,
  fees,
  invoices,
  organizations,
} from "../../../src/db/schema/index.ts";
import { testDb as db } from "./db.ts";

// Each factory inserts one Lago row with only what a test cares about; the rest takes the
// migration's defaults. Every test builds its own organization, so tests never see each other.

const one = <T>(rows: T[]): T => rows[0] as T;

export async function createOrganization(opts: { createdAt?: string } = {}) {
  const org = one(
    await db
      .insert(organizations)
      .values({ name: "Test org", createdAt: opts.createdAt ?? "2020-01-15 10:00:00" })
      .returning({ id: organizations.id }),
  );
  const apiKey = await createApiKey(org.id);
  return { id: org.id, apiKey };
}

export async function createApiKey(organizationId: string, opts: { expiresAt?: string | null } = {}) {
  const value = crypto.randomUUID();
  await db.insert(apiKeys).values({ organizationId, value, expiresAt: opts.expiresAt ?? null });
  return value;
}

export async function createBillingEntity(organizationId: string, opts: { code: string; deletedAt?: string; archivedAt?: string }) {
  return one(
    await db
      .insert(billingEntities)
      .values({ organizationId, name: opts.code, code: opts.code, deletedAt: opts.deletedAt, archivedAt: opts.archivedAt })
      .returning({ id: billingEntities.id }),
  ).id;
}

export async function createMetric(organizationId: string, opts: { code: string; deletedAt?: string }) {
  return one(
    await db
      .insert(billableMetrics)
      .values({ organizationId, name: opts.code, code: opts.code, deletedAt: opts.deletedAt })
      .returning({ id: billableMetrics.id }),
  ).id;
}

export async function createCharge(organizationId: string, billableMetricId: string, opts: { deletedAt?: string } = {}) {
  return one(
    await db
      .insert(charges)
      .values({ organizationId, billableMetricId, code: "charge", deletedAt: opts.deletedAt })
      .returning({ id: charges.id }),
  ).id;
}

/** An invoice's columns a test may set. Unset: finalized, USD, not self-billed; the rest the table's defaults. */
export type InvoiceOptions = {
  issuingDate?: string | null;
  totalAmountCents?: number;
  currency?: string | null;
  status?: number;
  paymentStatus?: number;
  selfBilled?: boolean;
  paymentDisputeLostAt?: string;
  billingEntityId?: string;
  customerId?: string | null;
  paymentDueDate?: string | null;
  paymentOverdue?: boolean | null;
  totalPaidAmountCents?: number;
};

export async function createInvoice(organizationId: string, opts: InvoiceOptions & { billingEntityId: string }) {
  return one(
    await db
      .insert(invoices)
      .values({
        ...opts,
        organizationId,
        number: `INV-${crypto.randomUUID().slice(0, 8)}`,
        status: opts.status ?? 1,
        selfBilled: opts.selfBilled ?? false,
        currency: opts.currency === undefined ? "USD" : opts.currency,
      })
      .returning({ id: invoices.id }),
  ).id;
}

type FeeOptions = {
  invoiceId: string | null;
  chargeId: string;
  billingEntityId: string;
  amountCents: number;
  createdAt: string;
  preciseCouponsAmountCents?: string;
  currency?: string;
  feeType?: number;
  invoiceableType?: string;
  deletedAt?: string;
};

export async function createFee(organizationId: string, opts: FeeOptions) {
  await db.insert(fees).values({
    organizationId,
    invoiceId: opts.invoiceId,
    chargeId: opts.chargeId,
    billingEntityId: opts.billingEntityId,
    amountCents: opts.amountCents,
    preciseCouponsAmountCents: opts.preciseCouponsAmountCents ?? "0",
    amountCurrency: opts.currency ?? "USD",
    feeType: opts.feeType ?? 0,
    invoiceableType: opts.invoiceableType ?? "Charge",
    invoiceableId: opts.chargeId,
    createdAt: opts.createdAt,
    deletedAt: opts.deletedAt,
  });
}

/**
 * The usual starting point: an organization with a key, one billing entity, one metric `code`
 * with its charge, and one finalized USD invoice. `fee()` adds a counted fee unless told otherwise.
 */
export async function createBillingScenario(opts: { code?: string; orgCreatedAt?: string } = {}) {
  const org = await createOrganization({ createdAt: opts.orgCreatedAt });
  const billingEntityId = await createBillingEntity(org.id, { code: "main" });
  const metricId = await createMetric(org.id, { code: opts.code ?? "api_calls" });
  const chargeId = await createCharge(org.id, metricId);
  const invoiceId = await createInvoice(org.id, { billingEntityId });
  const fee = (amountCents: number, createdAt: string, overrides: Partial<FeeOptions> = {}) =>
    createFee(org.id, { invoiceId, chargeId, billingEntityId, amountCents, createdAt, ...overrides });
  return { org, billingEntityId, metricId, chargeId, invoiceId, fee };
}
