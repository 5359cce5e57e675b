// Copies the API reference's browser assets (Swagger UI, from npm) into the Worker's static-assets
// directory (wrangler.toml [assets]), so /api/v1/docs loads nothing from a CDN. Every script that
// runs or bundles the Worker calls this first; the copy is cheap and always matches the lockfile.
import { copyFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const root = join(import.meta.dirname, "..", "..");
/** wrangler.toml's [assets] directory. */
export const ASSETS_DIR = join(root, ".assets");
/** Where the docs page's HTML points (src/openapi/docs.ts): ASSETS_BASE + /swagger-ui-dist/<file>. */
const SWAGGER_DIR = join(ASSETS_DIR, "api", "v1", "docs", "assets", "swagger-ui-dist");
const FILES = ["swagger-ui.css", "swagger-ui-bundle.js", "LICENSE"];

export function buildAssets(): void {
  const source = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
  mkdirSync(SWAGGER_DIR, { recursive: true });
  for (const file of FILES) copyFileSync(join(source, file), join(SWAGGER_DIR, file));
}

if (import.meta.main) buildAssets();
