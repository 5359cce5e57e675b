// Compiled, never run (test/unit/lago-client-types.test.ts runs tsc on it): our response types must
// be assignable to the types of Lago's official JavaScript client, so code written against that
// client reads our answers unchanged.
import type {
  GrossRevenueObject,
  GrossRevenues,
  InvoiceCollections,
  InvoicedUsageObject,
  InvoicedUsages,
  Mrrs,
  OverdueBalanceObject,
  OverdueBalances,
  UsageObject,
  Usages,
} from "lago-javascript-client";
import type { GrossRevenueResponse } from "../../src/routes/gross-revenue.ts";
import type { InvoiceCollectionResponse } from "../../src/routes/invoice-collection.ts";
import type { InvoicedUsageResponse } from "../../src/routes/invoiced-usage.ts";
import type { MrrResponse } from "../../src/routes/mrr.ts";
import type { OverdueBalanceResponse } from "../../src/routes/overdue-balance.ts";
import type { UsageResponse } from "../../src/routes/usage.ts";

type Assignable<From, To> = [From] extends [To] ? true : false;
const yes = <T extends true>(value: T) => value;

yes<Assignable<InvoicedUsageResponse, InvoicedUsages>>(true);
yes<Assignable<InvoicedUsageResponse["invoiced_usages"][number], InvoicedUsageObject>>(true);
yes<Assignable<UsageResponse, Usages>>(true);
yes<Assignable<UsageResponse["usages"][number], UsageObject>>(true);
yes<Assignable<GrossRevenueResponse, GrossRevenues>>(true);
yes<Assignable<GrossRevenueResponse["gross_revenues"][number], GrossRevenueObject>>(true);
yes<Assignable<OverdueBalanceResponse, OverdueBalances>>(true);
yes<Assignable<OverdueBalanceResponse["overdue_balances"][number], OverdueBalanceObject>>(true);

// Lago's placeholder rows (a month without data, no currency filter) carry nulls that Lago's own
// client types do not allow: its answers have them too. Every other row is assignable.
type NonPlaceholder<T> = { [K in keyof T]: Exclude<T[K], null> };
yes<Assignable<NonPlaceholder<InvoiceCollectionResponse["invoice_collections"][number]>[], InvoiceCollections["invoice_collections"]>>(true);
yes<Assignable<NonPlaceholder<MrrResponse["mrrs"][number]>[], Mrrs["mrrs"]>>(true);
// @ts-expect-error a placeholder's null amount_cents is not the client's number
yes<Assignable<MrrResponse, Mrrs>>(true);

// The check can fail: a currency typed as any string is not the client's Currency.
// @ts-expect-error string is wider than Lago's Currency union
yes<Assignable<{ invoiced_usages: { month: string; currency: string; amount_cents: number }[] }, InvoicedUsages>>(true);
