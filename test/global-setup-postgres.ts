import type { TestProject } from "vitest/node";
import { acquirePostgres } from "./postgres-server.ts";

declare module "vitest" {
  export interface ProvidedContext {
    postgresPort: number;
  }
}

// The end-to-end tests' PostgreSQL: the run's one server (test/postgres-server.ts); each test file
// creates the databases it needs (test/helpers/postgres.ts).
export default async function setup(project: TestProject) {
  const { port, release } = await acquirePostgres();
  project.provide("postgresPort", port);
  return release;
}
