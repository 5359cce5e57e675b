// Compiled, never run (test/node/lago-client-types.test.ts runs tsc on it): our response types must
// be assignable to the types of Lago's official JavaScript client, so code written against that
// client reads our answers unchanged.
import type { InvoicedUsageObject, InvoicedUsages, UsageObject, Usages } from "lago-javascript-client";
import type { InvoicedUsageResponse } from "../../src/routes/invoiced-usage.ts";
import type { UsageResponse } from "../../src/routes/usage.ts";

type Assignable<From, To> = [From] extends [To] ? true : false;
const yes = <T extends true>(value: T) => value;

yes<Assignable<InvoicedUsageResponse, InvoicedUsages>>(true);
yes<Assignable<InvoicedUsageResponse["invoiced_usages"][number], InvoicedUsageObject>>(true);
yes<Assignable<UsageResponse, Usages>>(true);
yes<Assignable<UsageResponse["usages"][number], UsageObject>>(true);

// The check can fail: a currency typed as any string is not the client's Currency.
// @ts-expect-error string is wider than Lago's Currency union
yes<Assignable<{ invoiced_usages: { month: string; currency: string; amount_cents: number }[] }, InvoicedUsages>>(true);
