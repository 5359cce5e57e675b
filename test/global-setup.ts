import type { TestProject } from "vitest/node";
import { pgliteCopy } from "../scripts/db/pglite-template.ts";
import { pgliteBackend } from "../scripts/neon-local/backends.ts";
import { startNeonLocal } from "../scripts/neon-local/server.ts";

declare module "vitest" {
  export interface ProvidedContext {
    neonUrl: string;
  }
}

// One migrated PGlite behind one local Neon endpoint for the whole run. Tests never share rows:
// each builds its own organizations with factories, so they need no cleanup and no ordering.
export default async function setup(project: TestProject) {
  const copy = await pgliteCopy();
  const backend = pgliteBackend({ dataDir: copy.dir });
  // control: per-database query counts and outages, for the cache tests (test/workers/helpers/cache-app.ts).
  const server = await startNeonLocal({ backend, control: true });
  project.provide("neonUrl", server.url);
  return async () => {
    await server.close();
    await backend.close();
    copy.remove();
  };
}
