// Builds the Worker's static assets (wrangler.toml [assets]) into .assets/: the dashboard (its page,
// stylesheet and script bundled by esbuild from dashboard/) at / and /dashboard, and the API
// reference's browser assets (Swagger UI, copied from npm). Nothing is fetched from a CDN at run
// time. Every script that runs, tests or bundles the Worker calls this first; a file whose bytes
// are already there is left alone, so a Worker serving the directory (a test's wrangler dev) never
// reads a file while another build rewrites it.
import { buildSync } from "esbuild";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const root = join(import.meta.dirname, "..", "..");
/** wrangler.toml's [assets] directory. */
export const ASSETS_DIR = join(root, ".assets");
/** The dashboard's script, as served at /dashboard.js. */
export const DASHBOARD_SCRIPT = join(ASSETS_DIR, "dashboard.js");
/** Where the docs page's HTML points (src/openapi/docs.ts): ASSETS_BASE + /swagger-ui-dist/<file>. */
const SWAGGER_DIR = join(ASSETS_DIR, "api", "v1", "docs", "assets", "swagger-ui-dist");
const SWAGGER_FILES = ["swagger-ui.css", "swagger-ui-bundle.js", "LICENSE"];

// The dashboard runs nothing inline and loads nothing from elsewhere: only this origin's files.
export const DASHBOARD_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
const HEADERS = ["/", "/index.html", "/dashboard", "/dashboard.html"]
  .map((path) => `${path}\n  Content-Security-Policy: ${DASHBOARD_CSP}\n  X-Content-Type-Options: nosniff\n  Referrer-Policy: no-referrer\n`)
  .join("");

function writeIfChanged(path: string, bytes: Uint8Array | string): void {
  const wanted = Buffer.from(bytes);
  if (existsSync(path) && readFileSync(path).equals(wanted)) return;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, wanted);
}

export function buildAssets(): void {
  const source = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
  for (const file of SWAGGER_FILES) writeIfChanged(join(SWAGGER_DIR, file), readFileSync(join(source, file)));

  const dashboard = join(root, "dashboard");
  const script = buildSync({
    entryPoints: [join(dashboard, "main.ts")],
    outfile: DASHBOARD_SCRIPT,
    write: false,
    bundle: true,
    minify: true,
    format: "esm",
    target: "es2022",
    logLevel: "warning",
    legalComments: "none",
  });
  for (const output of script.outputFiles) writeIfChanged(output.path, output.contents);
  writeIfChanged(join(ASSETS_DIR, "dashboard.css"), readFileSync(join(dashboard, "style.css")));
  writeIfChanged(join(ASSETS_DIR, "favicon.svg"), readFileSync(join(dashboard, "favicon.svg")));
  const page = readFileSync(join(dashboard, "index.html"));
  writeIfChanged(join(ASSETS_DIR, "index.html"), page);
  writeIfChanged(join(ASSETS_DIR, "dashboard.html"), page);
  writeIfChanged(join(ASSETS_DIR, "_headers"), HEADERS);
}

if (import.meta.main) buildAssets();
