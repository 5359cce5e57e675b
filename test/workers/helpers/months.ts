/** The first day of the UTC month `offset` months from the current one, as 'YYYY-MM-01'. */
export function monthStart(offset: number): string {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1)).toISOString().slice(0, 10);
}

/** How invoiced_usage writes that month. */
export const monthKey = (offset: number) => `${monthStart(offset)}T00:00:00.000Z`;
