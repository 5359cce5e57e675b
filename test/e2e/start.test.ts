import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { portIsFree } from "../../scripts/local-service.ts";

// `npm start` as a user runs it: through npm, in a process group of its own (as a terminal would
// start it), on a port of the test's own. Each test stops everything it started.
const root = join(import.meta.dirname, "..", "..");
const BANNER_END = "Ctrl-C stops everything.";
const started: { child: ChildProcess; port: number }[] = [];

const kill = (pid: number, signal: NodeJS.Signals) => {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
};

// Whatever a failed test left behind: npm's group, and anything still serving its port.
afterEach(() => {
  for (const { child, port } of started.splice(0)) {
    if (child.exitCode === null && child.pid) kill(-child.pid, "SIGKILL");
    for (const { pgid } of leftovers(port)) kill(-pgid, "SIGKILL");
  }
});

let nextPort = 18_700 + Math.floor(Math.random() * 500);

function npmStart(port: number, args: string[] = []) {
  const child = spawn("npm", ["start", ...(args.length ? ["--", ...args] : [])], { cwd: root, detached: true, env: { ...process.env, PORT: String(port) } });
  started.push({ child, port });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const banner = new Promise<void>((resolve, reject) => {
    const check = () => (output.includes(BANNER_END) ? resolve() : undefined);
    child.stdout.on("data", check);
    void exited.then(() => reject(new Error(`npm start exited before its banner:\n${output}`)));
  });
  banner.catch(() => undefined); // awaited only by the tests that expect a banner
  return { child, exited, banner, output: () => output };
}

type Proc = { pid: number; pgid: number; args: string };

function processes(): Proc[] {
  const ps = execFileSync("ps", ["-eo", "pid=,pgid=,stat=,args="], { encoding: "utf8" });
  return ps
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f.length >= 4 && !f[2]!.startsWith("Z")) // zombies are already dead
    .map((f) => ({ pid: Number(f[0]), pgid: Number(f[1]), args: f.slice(3).join(" ") }));
}

/**
 * Everything still running for this port: the processes naming it (wrangler, the outer workerd)
 * and every other member of their process groups (the inner workerd listens on a random port).
 */
function leftovers(port: number): Proc[] {
  const all = processes();
  const groups = new Set(all.filter((p) => p.args.includes(`127.0.0.1:${port}`) || p.args.includes(`--port ${port}`)).map((p) => p.pgid));
  return all.filter((p) => groups.has(p.pgid) && p.pid !== process.pid);
}

async function waitUntilStopped(port: number, withinMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < withinMs) {
    if (leftovers(port).length === 0 && (await portIsFree(port))) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`still running after ${withinMs} ms: ${leftovers(port).map((p) => p.args.slice(0, 120)).join("; ")}`);
}

describe("npm start", () => {
  it("serves the API and its reference page's assets, prints every demo key, and logs no probe request", async () => {
    const port = nextPort++;
    const run = npmStart(port);
    await run.banner;
    const api = await fetch(`http://127.0.0.1:${port}/api/v1/analytics/invoiced_usage?months=3`, {
      headers: { Authorization: "Bearer demo_acme_1" },
    });
    expect(api.status).toBe(200);
    await api.body?.cancel();
    const script = await fetch(`http://127.0.0.1:${port}/api/v1/docs/assets/swagger-ui-dist/swagger-ui-bundle.js`);
    expect(script.status).toBe(200);
    await script.body?.cancel();
    for (const key of ["demo_acme_1", "demo_globex_1", "demo_initech_1", "demo_umbrella_1", "demo_acme_2"]) {
      expect(run.output()).toContain(key);
    }
    expect(run.output()).not.toMatch(/GET \/ /);
    process.kill(run.child.pid!, "SIGTERM");
    await waitUntilStopped(port, 5_000);
  }, 120_000);

  it("with --lago-stand-in, takes the demo organizations' usage snapshots from a stand-in of Lago's API on the printed cron", async () => {
    const port = nextPort++;
    const run = npmStart(port, ["--lago-stand-in"]);
    await run.banner;
    expect(run.output()).toContain("Usage snapshots are on");
    const cron = /curl "(http:\/\/127\.0\.0\.1:\d+\/cdn-cgi\/local\/scheduled\?time=\d+)"/.exec(run.output())?.[1];
    expect(cron).toBeDefined();
    const headers = { Authorization: "Bearer demo_acme_1", "Cache-Control": "no-cache" };
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const standIn = async () => {
      const answer = await fetch(`http://127.0.0.1:${port}/api/v1/analytics/usage?time_granularity=daily&from_date=${yesterday}&to_date=${yesterday}`, { headers });
      const { usages } = (await answer.json()) as { usages: { billable_metric_code: string; units: string; amount_cents: number }[] };
      return usages.filter((u) => u.billable_metric_code === "stand_in_api_calls");
    };
    expect(await standIn()).toEqual([]);
    // The first run queues the due subscriptions (the consumer calls the stand-in); a later one brings the rows into the rollup.
    await (await fetch(cron!)).text();
    const stored = async () => ((await (await fetch(`http://127.0.0.1:${port}/api/v1/analytics/organization`, { headers })).json()) as {
      organization: { usage_snapshots: { last_day_done: string; stored_for_last_day: number } | null };
    }).organization.usage_snapshots;
    // The consumer's log line says it is done (its one batch holds every due subscription).
    await expect.poll(() => run.output(), { timeout: 30_000 }).toContain('"msg":"usage snapshots taken"');
    expect(await stored()).toMatchObject({ last_day_done: yesterday });
    const subscriptions = (await stored())!.stored_for_last_day;
    expect(subscriptions).toBeGreaterThan(0);
    await (await fetch(cron!)).text();
    // Each subscription's snapshot: 12.5 units and 1250 cents (the stand-in's answer, the period's first).
    await expect.poll(standIn, { timeout: 30_000 }).toEqual([expect.objectContaining({ units: String(12.5 * subscriptions), amount_cents: 1250 * subscriptions })]);
    process.kill(run.child.pid!, "SIGTERM");
    await waitUntilStopped(port, 5_000);
  }, 120_000);

  it("stops everything within 5 s when npm's process gets SIGTERM", async () => {
    const port = nextPort++;
    const run = npmStart(port);
    await run.banner;
    expect(leftovers(port).length).toBeGreaterThan(0);
    process.kill(run.child.pid!, "SIGTERM");
    expect(await waitUntilStopped(port, 5_000)).toBeLessThan(5_000);
  }, 120_000);

  it("stops everything within 5 s when its process group gets SIGINT (Ctrl-C)", async () => {
    const port = nextPort++;
    const run = npmStart(port);
    await run.banner;
    process.kill(-run.child.pid!, "SIGINT");
    expect(await waitUntilStopped(port, 5_000)).toBeLessThan(5_000);
  }, 120_000);

  it("refuses a port already in use with one line naming it, before printing anything else", async () => {
    const port = nextPort++;
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(port, "127.0.0.1", resolve));
    try {
      const run = npmStart(port);
      const code = await run.exited;
      expect(code).not.toBe(0);
      const ours = run.output().split("\n").filter((line) => line.includes(String(port)));
      expect(ours).toEqual([`Port ${port} on 127.0.0.1 is already in use: stop what holds it, or choose another with PORT=${port + 1} npm start`]);
      expect(run.output()).not.toContain("running on");
      expect(run.output()).not.toContain("curl");
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  }, 60_000);
});
