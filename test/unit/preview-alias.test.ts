import { describe, expect, it } from "vitest";
import { previewAlias } from "../../scripts/deploy/preview-alias.ts";

const WORKER = "lago-edge-analytics-us"; // 22 characters: 40 are left for the alias
const VALID = /^[a-z](?:[a-z0-9-]*[a-z0-9])?$/;

describe("previewAlias", () => {
  it("keeps a branch that is already a valid alias", () => {
    expect(previewAlias("add-cache", WORKER)).toBe("add-cache");
  });

  it("turns slashes and underscores into dashes and adds the branch's hash", () => {
    const alias = previewAlias("feature/add_cache", WORKER);
    expect(alias).toMatch(/^feature-add-cache-[0-9a-f]{6}$/);
  });

  it("lowercases, and keeps Feature/X apart from feature/x", () => {
    const upper = previewAlias("Feature/X", WORKER);
    const lower = previewAlias("feature/x", WORKER);
    expect(upper).toMatch(/^feature-x-[0-9a-f]{6}$/);
    expect(lower).toMatch(/^feature-x-[0-9a-f]{6}$/);
    expect(upper).not.toBe(lower);
  });

  it("keeps feature/search and feature-search apart", () => {
    expect(previewAlias("feature/search", WORKER)).not.toBe(previewAlias("feature-search", WORKER));
  });

  it("cuts long names so alias-worker fits one 63-character DNS label", () => {
    const alias = previewAlias(`feature/${"very-long-".repeat(20)}`, WORKER);
    expect(`${alias}-${WORKER}`.length).toBeLessThanOrEqual(63);
    expect(alias.length).toBeGreaterThanOrEqual(38); // 40, less a dash trimmed at the cut
    expect(alias).toMatch(VALID);
    expect(alias).toMatch(/^feature-very-long-/);
  });

  it("gives two long names with the same start different aliases", () => {
    const a = previewAlias(`${"x".repeat(60)}-one`, WORKER);
    const b = previewAlias(`${"x".repeat(60)}-two`, WORKER);
    expect(a).not.toBe(b);
  });

  it("folds accents and drops other unicode", () => {
    expect(previewAlias("été/résumé", WORKER)).toMatch(/^ete-resume-[0-9a-f]{6}$/);
    expect(previewAlias("🎬", WORKER)).toMatch(/^b-[0-9a-f]{6}$/);
    expect(previewAlias("日本語-branch", WORKER)).toMatch(/^branch-[0-9a-f]{6}$/);
  });

  it("starts with a letter even when the branch starts with a digit or a dash", () => {
    expect(previewAlias("123-fix", WORKER)).toMatch(/^b-123-fix-[0-9a-f]{6}$/);
    expect(previewAlias("--x--", WORKER)).toMatch(/^x-[0-9a-f]{6}$/);
  });

  it("is stable for the same branch", () => {
    expect(previewAlias("feature/a", WORKER)).toBe(previewAlias("feature/a", WORKER));
  });

  it("always produces an alias Cloudflare accepts", () => {
    for (const branch of ["a", "A", "-", "_", "a/b/c", "x".repeat(300), "dependabot/npm_and_yarn/hono-4.13.19", "ß"]) {
      const alias = previewAlias(branch, WORKER);
      expect(alias, branch).toMatch(VALID);
      expect(`${alias}-${WORKER}`.length, branch).toBeLessThanOrEqual(63);
    }
  });

  it("refuses an empty branch name", () => {
    expect(() => previewAlias("", WORKER)).toThrow();
  });
});
