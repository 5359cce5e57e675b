import { and, eq, isNull } from "drizzle-orm";
import { billingEntities } from "../db/schema/index.ts";
import type { Database } from "../env.ts";

// Archived entities keep their code and their invoices, so every non-deleted one with the code counts.
export async function findBillingEntityIds(
  db: Database,
  organizationId: string,
  code: string,
): Promise<string[]> {
  const rows = await db
    .select({ id: billingEntities.id })
    .from(billingEntities)
    .where(
      and(
        eq(billingEntities.organizationId, organizationId),
        eq(billingEntities.code, code),
        isNull(billingEntities.deletedAt),
      ),
    );
  return rows.map((r) => r.id);
}
