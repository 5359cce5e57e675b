// npm run dev: the Worker in `wrangler dev` on 127.0.0.1 against the database named in .dev.vars
// (wrangler reads that file itself). For the embedded demo database, use `npm start` instead.
import "./node-version.ts";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { buildAssets } from "./assets/build.ts";
import { OFFLINE_ENV } from "./node-version.ts";

const root = join(import.meta.dirname, "..");
if (!existsSync(join(root, ".dev.vars"))) {
  console.error("No .dev.vars: copy .dev.vars.example to .dev.vars and set DATABASE_URL (or run npm start for the demo database).");
  process.exit(1);
}
buildAssets();
// LAGO_API_URL from the environment, like npm start (.dev.vars may set it too).
const lagoApiUrl = process.env.LAGO_API_URL ? ["--var", `LAGO_API_URL:${process.env.LAGO_API_URL}`] : [];
const wrangler = spawn(process.execPath, [join(root, "node_modules", "wrangler", "bin", "wrangler.js"), "dev", "--ip", "127.0.0.1", ...lagoApiUrl, ...process.argv.slice(2)], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, ...OFFLINE_ENV },
});
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => wrangler.kill(signal));
wrangler.on("exit", (code) => process.exit(code ?? 1));
