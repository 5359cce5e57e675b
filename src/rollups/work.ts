// The rollup queue's message: one organization whose queued buckets are to be recomputed. A module
// of its own so that the bindings' type (src/env.ts) can name it without importing the queue's code.
export type RollupWork = { organizationId: string };
