// The snapshot queue's message: due subscriptions (ids only: keys never travel in a message), and
// the instant their run was scheduled for, which decides their local day. A module of its own so
// that the bindings' type (src/env.ts) can name it without importing the queue's code.
export type SnapshotWork = { subscriptionIds: string[]; at: string };
