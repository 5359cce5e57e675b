import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Two projects: the Worker's tests run inside workerd (Cloudflare's vitest integration) against
// PGlite behind the local Neon endpoint; the tooling's own tests (that endpoint, the data generator)
// run in Node.
export default defineConfig({
  test: {
    projects: [
      {
        plugins: [
          cloudflareTest(({ inject }) => ({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                // A placeholder: the local endpoint ignores the host and serves its own database.
                DATABASE_URL: "postgres://test:test@db.localtest/lago",
                NEON_FETCH_ENDPOINT: inject("neonUrl" as never) as string,
              },
            },
          })),
        ],
        test: {
          name: "workers",
          include: ["test/workers/**/*.test.ts"],
          globalSetup: ["test/global-setup.ts"],
        },
      },
      {
        test: {
          name: "node",
          environment: "node",
          include: ["test/node/**/*.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
