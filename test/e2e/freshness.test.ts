import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, type LocalService, startLocalService } from "../../scripts/local-service.ts";

// Last-Modified on the rollup path, through the real Worker in wrangler dev (workerd) on the demo
// database: before the first refresh, answers come from Lago's tables and carry the time of each
// read; after the cron handler (and the rollup queue's consumer it hands the work to) has built the
// rollups, they carry the instant the refresh started, however much later they are asked for.
let service: LocalService;

beforeAll(async () => {
  service = await startLocalService({ port: await freePort(), quiet: true });
}, 120_000);
afterAll(async () => service?.stop());

const lastModified = async (path: string) => {
  const response = await fetch(`${service.url}${path}`, { headers: { Authorization: "Bearer demo_acme_1", "Cache-Control": "no-cache" } });
  expect(response.status).toBe(200);
  await response.body?.cancel();
  return Date.parse(response.headers.get("Last-Modified") ?? "");
};
const second = (ms: number) => Math.floor(ms / 1000) * 1000;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const PATHS = ["/api/v1/analytics/invoiced_usage?months=6", "/api/v1/analytics/usage?time_granularity=monthly"];

describe("Last-Modified of invoiced_usage and usage", () => {
  it("is the time of the read on the direct path, then the refresh's start once the rollups answer", async () => {
    for (const path of PATHS) {
      const before = Date.now();
      const direct = await lastModified(path);
      expect(direct, path).toBeGreaterThanOrEqual(second(before));
      expect(direct, path).toBeLessThanOrEqual(Date.now());
    }

    const refreshStarted = Date.now();
    const trigger = await fetch(`${service.url}/cdn-cgi/local/scheduled`);
    expect(trigger.status).toBe(200);
    await trigger.body?.cancel();
    const refreshEnded = Date.now();

    for (const path of PATHS) {
      // The cron hands the recomputing to the rollup queue's consumer (wrangler dev runs both): until
      // it has built the rollups, answers come from Lago's tables, stamped with the time of the read.
      // Read twice 1.1 s apart: a direct answer's time moves, the rollup's stays.
      let fromRollup = await lastModified(path);
      for (const end = Date.now() + 30_000; Date.now() < end; ) {
        await pause(1_100);
        const again = await lastModified(path);
        if (again === fromRollup && again <= refreshEnded) break;
        fromRollup = again;
      }
      expect(fromRollup, path).toBeGreaterThanOrEqual(second(refreshStarted));
      expect(fromRollup, path).toBeLessThanOrEqual(refreshEnded);
      await pause(1_100);
      // Asked again a second later, from the database again (no-cache): the same data time.
      expect(await lastModified(path), path).toBe(fromRollup);
    }
  }, 120_000);
});
