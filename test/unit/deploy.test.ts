import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { bundle, ENVIRONMENTS, GZIP_BUDGET_BYTES } from "../../scripts/deploy/bundle.ts";

const root = join(import.meta.dirname, "..", "..");
const WORKFLOW = join(root, ".github", "workflows", "deploy.yml");

function actionValidator(file: string) {
  const bin = join(root, "node_modules", "@action-validator", "cli", "cli.mjs");
  return spawnSync(process.execPath, [bin, file], { encoding: "utf8" });
}

describe("regional bundles", () => {
  it.each(ENVIRONMENTS)("env %s bundles offline within the gzip budget", (env) => {
    const result = bundle(env);
    expect(result.ok, result.output).toBe(true);
    expect(result.output).toContain(`env.REGION ("${env}")`);
    expect(result.gzipBytes).toBeLessThanOrEqual(GZIP_BUDGET_BYTES);
  });
});

describe("regional bundles over Hyperdrive", () => {
  // wrangler.toml's Hyperdrive blocks, switched on as its comment tells an operator to (beside it,
  // so its relative paths hold): each region then binds HYPERDRIVE and still bundles within budget.
  const config = join(root, `.wrangler-hyperdrive-test-${process.pid}.toml`);
  const text = readFileSync(join(root, "wrangler.toml"), "utf8");
  const switchedOn = text.replace(/^# (\[\[env\.(us|eu)\.hyperdrive\]\]\n)# (binding = .*\n)# id = "HYPERDRIVE_ID_(US|EU)"/gm, (_m, head, _env, binding, region) => `${head}${binding}id = "${region === "US" ? "0".repeat(32) : "1".repeat(32)}"`);

  it("wrangler.toml holds one block per region, off by default", () => {
    expect(switchedOn).not.toBe(text);
    expect(text).not.toMatch(/^\[\[(env\.\w+\.)?hyperdrive\]\]/m);
    expect(switchedOn.match(/^\[\[env\.(us|eu)\.hyperdrive\]\]$/gm)).toEqual(["[[env.us.hyperdrive]]", "[[env.eu.hyperdrive]]"]);
  });

  it.each(ENVIRONMENTS)("env %s, its block switched on, binds HYPERDRIVE and bundles within the gzip budget", (env) => {
    writeFileSync(config, switchedOn);
    try {
      const result = bundle(env, config);
      expect(result.ok, result.output).toBe(true);
      expect(result.output).toMatch(/env\.HYPERDRIVE \([0-9a-f]{32}\)\s+Hyperdrive Config/);
      expect(result.gzipBytes).toBeLessThanOrEqual(GZIP_BUDGET_BYTES);
    } finally {
      rmSync(config, { force: true });
    }
  });
});

describe("the deploy workflow", () => {
  const workflow = parse(readFileSync(WORKFLOW, "utf8"));

  it("passes action-validator (GitHub's workflow schema)", () => {
    const run = actionValidator(WORKFLOW);
    expect(run.status, run.stdout + run.stderr).toBe(0);
  });

  it("action-validator does reject a broken workflow", () => {
    const broken = join(mkdtempSync(join(tmpdir(), "workflow-")), "broken.yml");
    writeFileSync(broken, "name: x\non: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    stepz: []\n");
    expect(actionValidator(broken).status).not.toBe(0);
  });

  it("runs on pushes to every branch and on branch deletion", () => {
    expect(workflow.on.push.branches).toEqual(["**"]);
    expect(workflow.on).toHaveProperty("delete");
  });

  it("checks with typecheck, tests and bundles before anything deploys", () => {
    const runs = workflow.jobs.check.steps.map((s: { run?: string }) => s.run).filter(Boolean);
    expect(runs).toEqual(["npm ci", "npm run typecheck", "npm test", "npm run bundle"]);
    expect(workflow.jobs.preview.needs).toBe("check");
    expect(workflow.jobs.deploy.needs).toBe("check");
  });

  it("previews every branch but main with its own Neon branch and alias", () => {
    const preview = workflow.jobs.preview;
    expect(preview.if).toContain("github.ref_name != 'main'");
    const neon = preview.steps.find((s: { uses?: string }) => s.uses?.startsWith("neondatabase/create-branch-action"));
    expect(neon.with.branch_name).toBe("preview/${{ github.ref_name }}");
    const upload = preview.steps.find((s: { run?: string }) => s.run?.includes("wrangler versions upload"));
    expect(upload.run).toContain('--preview-alias "$ALIAS"');
    expect(upload.run).toContain("--secrets-file");
    expect(upload.env.DATABASE_URL).toBe("${{ steps.neon.outputs.db_url }}");
    const alias = preview.steps.find((s: { id?: string }) => s.id === "alias");
    expect(alias.run).toContain("scripts/deploy/preview-alias.ts");
  });

  it("deletes the Neon branch when the git branch is deleted", () => {
    const job = workflow.jobs["delete-preview"];
    expect(job.if).toContain("github.event_name == 'delete'");
    expect(job.steps[0].uses).toMatch(/^neondatabase\/delete-branch-action@/);
    expect(job.steps[0].with.branch).toBe("preview/${{ github.event.ref }}");
  });

  it("deploys main to us and eu", () => {
    const deploy = workflow.jobs.deploy;
    expect(deploy.if).toContain("github.ref_name == 'main'");
    expect(deploy.strategy.matrix.region).toEqual(["us", "eu"]);
    expect(deploy.steps.at(-1).run).toContain("npm run deploy -- --env ${{ matrix.region }}");
  });

  it("takes every credential from the CI secret store, never from the file", () => {
    const text = readFileSync(WORKFLOW, "utf8");
    expect(text).not.toMatch(/postgres(ql)?:\/\//);
    for (const name of ["CLOUDFLARE_API_TOKEN", "CLOUDFLARE_ACCOUNT_ID", "NEON_API_KEY"]) {
      for (const line of text.split("\n").filter((l) => l.includes(`${name}:`) || l.includes(`api_key:`))) {
        expect(line).toMatch(/\$\{\{ secrets\.[A-Z_]+ \}\}/);
      }
    }
  });
});

describe("npm run deploy and npm run dev", () => {
  const npm = (args: string[], env: Record<string, string> = {}) =>
    spawnSync("npm", ["run", "--silent", ...args], { cwd: root, encoding: "utf8", env: { ...process.env, ...env } });

  it("deploy refuses anything but --env us or --env eu, before calling wrangler", () => {
    for (const args of [[], ["--env", "asia"], ["--env"]]) {
      const run = npm(["deploy", "--", ...args]);
      expect(run.status).toBe(2);
      expect(run.stderr.trim()).toBe("Usage: npm run deploy -- --env us|eu");
    }
  });

  it("deploy --env eu --dry-run bundles the EU Worker through wrangler deploy", () => {
    const outdir = mkdtempSync(join(tmpdir(), "deploy-dry-"));
    const run = npm(["deploy", "--", "--env", "eu", "--dry-run", "--outdir", outdir], {
      WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_HIDE_BANNER: "true",
    });
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('env.REGION ("eu")');
  });
});
