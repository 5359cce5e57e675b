// npm start: the Worker in `wrangler dev` on 127.0.0.1, reading through the local Neon endpoint from
// either an embedded PGlite seeded with demo data (default) or DATABASE_URL's PostgreSQL, as is.
// `npm start -- --hyperdrive` reads DATABASE_URL's PostgreSQL through a local Hyperdrive binding.
// `npm start -- --lago-stand-in` also starts a stand-in for Lago's API and turns the usage snapshots
// on against it (docs/usage-snapshots.md), so that a cron run shows them without a Lago.
import "./node-version.ts";
import { customerUsage, type LagoStandIn, startLagoStandIn } from "./lago-api/stand-in.ts";
import { portIsFree, startLocalService } from "./local-service.ts";
import { DEMO_KEYS } from "./seed/demo.ts";

const port = Number(process.env.PORT ?? 8787);
if (!Number.isInteger(port) || port < 1 || port > 65_535) {
  console.error(`PORT=${process.env.PORT} is not a port number (1-65535).`);
  process.exit(2);
}
// Checked before anything is printed: a curl pasted from our banner must reach this service.
if (!(await portIsFree(port))) {
  console.error(`Port ${port} on 127.0.0.1 is already in use: stop what holds it, or choose another with PORT=${port + 1} npm start`);
  process.exit(1);
}

// Signals are handled from the first moment: one that arrives while starting stops what started.
const starting = new AbortController();
let service: Awaited<ReturnType<typeof startLocalService>> | undefined;
let standIn: LagoStandIn | undefined;
let stopping = false;
const stop = async (code: number) => {
  if (stopping) return;
  stopping = true;
  starting.abort();
  await service?.stop();
  await standIn?.close();
  process.exit(code);
};
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => void stop(0));

const databaseUrl = process.env.DATABASE_URL;
const hyperdrive = process.argv.includes("--hyperdrive");
if (hyperdrive && !databaseUrl) {
  console.error("--hyperdrive needs DATABASE_URL, a PostgreSQL server: DATABASE_URL=postgres://user:password@127.0.0.1:5432/lago npm start -- --hyperdrive");
  process.exit(2);
}
const withStandIn = process.argv.includes("--lago-stand-in");
if (withStandIn && process.env.LAGO_API_URL) {
  console.error("--lago-stand-in starts its own Lago API stand-in: unset LAGO_API_URL, or drop the flag to use that Lago.");
  process.exit(2);
}
try {
  if (withStandIn) {
    // Every subscription's current usage, whatever its organization's key: 12.5 units, 12.50 USD so
    // far this month, of a metric the demo organizations do not have (so it stands out).
    const now = new Date();
    const month = (offset: number) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1)).getTime();
    const usage = customerUsage({ id: "bm_stand_in", code: "stand_in_api_calls" }, [{ id: "ch_stand_in", units: "12.5", amount: 1250, events: 25 }], {
      currency: "USD", from: new Date(month(0)).toISOString().replace(".000", ""), to: new Date(month(1) - 1000).toISOString().replace(".000", ""),
    });
    standIn = await startLagoStandIn({ anySubscription: { usage } });
  }
  // Lago's API for the usage snapshots, passed through like DATABASE_URL (unset: off).
  const lagoApiUrl = standIn?.url ?? process.env.LAGO_API_URL;
  service = await startLocalService({ port, databaseUrl, hyperdrive, signal: starting.signal, ...(lagoApiUrl ? { vars: { LAGO_API_URL: lagoApiUrl } } : {}) });
} catch (err) {
  if (stopping) await new Promise(() => {}); // stop() exits
  console.error(`Could not start: ${(err as Error).message}`);
  process.exit(1);
}
if (stopping) await service.stop();
void service.exited.then((code) => stop(code));

const key = databaseUrl ? "<api key>" : DEMO_KEYS[0]!.key;
console.log(`
Dashboard: ${service.url}/   (paste ${databaseUrl ? "one of that database's API keys" : `the demo key ${key}`})

Lago edge analytics is running on ${service.url} (${service.label}).
${databaseUrl ? "Use one of that database's API keys." : `Demo API keys: ${DEMO_KEYS.map((k) => `${k.key} (${k.note})`).join(", ")}`}

  curl -H "Authorization: Bearer ${key}" "${service.url}/api/v1/analytics/invoiced_usage?months=12"
  curl -H "Authorization: Bearer ${key}" "${service.url}/api/v1/analytics/usage?time_granularity=monthly"
  API reference: ${service.url}/api/v1/docs
${standIn ? `
Usage snapshots are on, against a stand-in for Lago's API (${standIn.url}). They are taken after
midnight in each customer's time zone. Run the cron as if it were 01:00 UTC today, twice (the first
run queues the due subscriptions, whose consumer calls the stand-in; the second brings what it
stored into the usage rollup), then look at yesterday on the usage page:
  curl "${service.url}/cdn-cgi/local/scheduled?time=${Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate(), 1)}"
` : ""}
Ctrl-C stops everything.`);
