// The npm scripts run on the `node` dev dependency (Node 22), found first on npm's PATH. Anything
// else (a bare `node scripts/x.ts` on an older system Node) stops here with the reason.
const major = Number(process.versions.node.split(".")[0]);
if (major < 22) {
  console.error(`Node ${process.versions.node} is too old: run this through npm (npm start / npm test), which uses Node 22 from node_modules.`);
  process.exit(1);
}

/** Environment that keeps wrangler, miniflare, workerd and redocly from calling the internet. */
export const OFFLINE_ENV = {
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_HIDE_BANNER: "true",
  REDOCLY_TELEMETRY: "off",
  REDOCLY_SUPPRESS_UPDATE_NOTICE: "true",
};
