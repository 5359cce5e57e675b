import type { TestProject } from "vitest/node";
import { startLagoStandIn } from "../scripts/lago-api/stand-in.ts";

declare module "vitest" {
  export interface ProvidedContext {
    lagoApiUrl: string;
  }
}

// The stand-in for Lago's API the usage snapshots call (scripts/lago-api/stand-in.ts), one per
// project run; tests give it usage and faults per subscription, so files never meet.
export default async function setup(project: TestProject) {
  const standIn = await startLagoStandIn();
  project.provide("lagoApiUrl", standIn.url);
  return () => standIn.close();
}
