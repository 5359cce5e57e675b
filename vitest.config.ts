import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

// The files that take longest (a minute or more on this 2-core machine), started first: by default
// vitest orders files by project name, so the Worker's property tests started last and the run
// ended waiting for them alone (3 minutes of a 10-minute run).
const LONGEST_FIRST = [
  "test/workers/isolation.security.test.ts",
  "test/unit/rollups.exactness.test.ts",
  "test/e2e/start.test.ts",
  "test/workers/bad-input.security.test.ts",
  "test/e2e/dashboard.test.ts",
  "test/e2e/snapshots.test.ts",
];

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (spec: TestSpecification) => {
      const i = LONGEST_FIRST.findIndex((file) => spec.moduleId.endsWith(file));
      return i === -1 ? LONGEST_FIRST.length : i;
    };
    const base = await super.sort(files);
    return base.map((spec, i) => ({ spec, i })).sort((a, b) => rank(a.spec) - rank(b.spec) || a.i - b.i).map((x) => x.spec);
  }
}

// The Worker's tests run inside workerd (Cloudflare's vitest integration) once per database path
// (docs/database-paths.md): Neon's HTTP driver against PGlite behind the local Neon endpoint, and
// node-postgres through a Hyperdrive binding against Debian's PostgreSQL behind a wire proxy with the
// same controls. The tooling's own tests (that endpoint, the data generator) and the rollups run in
// Node ("unit"); the service started as `npm start` starts it, in "e2e". scripts/test.ts names the
// tiers (npm run test:unit, test:workers, test:e2e) and installs what each needs.
function workers(path: "neon-http" | "hyperdrive") {
  return {
    plugins: [
      cloudflareTest(({ inject }) => ({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            // A placeholder: the local endpoint ignores the host and serves its own database.
            DATABASE_URL: "postgres://test:test@db.localtest/lago",
            NEON_FETCH_ENDPOINT: inject("neonUrl" as never) as string,
            // The stand-in for Lago's API (test/global-setup-lago-api.ts), for the usage snapshots.
            LAGO_API_URL: inject("lagoApiUrl" as never) as string,
            ...(path === "hyperdrive" ? { PG_PROXY_CONTROL: inject("pgProxyControl" as never) as string } : {}),
          },
          // The Hyperdrive binding wins over DATABASE_URL (src/config.ts); wrangler's local Hyperdrive
          // connects it straight to the wire proxy.
          ...(path === "hyperdrive" ? { hyperdrives: { HYPERDRIVE: inject("pgProxyUrl" as never) as string } } : {}),
          // wrangler.toml's RATE_LIMITER allows so much that no test reaches it; the rate
          // limiting tests hand the app this tight one instead (test/workers/rate-limit.error.test.ts).
          ratelimits: {
            RATE_LIMITER_TIGHT: { namespace_id: "9001", simple: { limit: 3, period: 60 } },
            AUTH_RATE_LIMITER_TIGHT: { namespace_id: "9002", simple: { limit: 3, period: 60 } },
          },
        },
      })),
    ],
    test: {
      name: path === "neon-http" ? "workers" : "workers-hyperdrive",
      include: ["test/workers/**/*.test.ts"],
      globalSetup: [path === "neon-http" ? "test/global-setup.ts" : "test/global-setup-hyperdrive.ts", "test/global-setup-lago-api.ts"],
      // The first request of a file pays workerd's and PGlite's warm-up; on a busy 2-core CI
      // machine that alone can pass vitest's 5 s default. Time is measured in benchmarks, not here.
      testTimeout: 30_000,
    },
  };
}

export default defineConfig({
  test: {
    // vitest runs one file at a time on a 2-core machine by default (cores - 1); most of a file's
    // time is spent waiting (workerd starting, the database, wrangler dev), so four run at once
    // (npm test: 541 s of vitest with three, 421 s with four, on this machine the same hour).
    maxWorkers: 4,
    sequence: { sequencer: LongestFirst },
    // The Worker writes one JSON line per request (src/middleware/request-log.ts); thousands of
    // them would bury the test report. The tests that check those lines spy on console.log.
    onConsoleLog: (log) => !log.startsWith('{"level":"info","msg":"request"'),
    projects: [
      workers("neon-http"),
      workers("hyperdrive"),
      {
        test: {
          // The tooling and the rollups in Node, each file on a database of its own (PGlite copies).
          name: "unit",
          environment: "node",
          include: ["test/unit/**/*.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          // The service as operators run it: wrangler dev, Debian's chromium, Debian's PostgreSQL.
          name: "e2e",
          environment: "node",
          include: ["test/e2e/**/*.test.ts"],
          globalSetup: ["test/global-setup-postgres.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
