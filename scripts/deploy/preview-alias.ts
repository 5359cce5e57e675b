// The preview alias of a git branch: what `wrangler versions upload --preview-alias` accepts.
// Cloudflare serves it as <alias>-<worker>.<subdomain>.workers.dev, so "<alias>-<worker>" must be one
// DNS label (at most 63 characters) and the alias must match /^[a-z]([a-z0-9-]*[a-z0-9])?$/.
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";

const MAX_DNS_LABEL = 63;
const HASH_LENGTH = 6;

const hashOf = (branch: string) => createHash("sha256").update(branch).digest("hex").slice(0, HASH_LENGTH);

export function previewAlias(branch: string, workerName: string): string {
  if (branch.trim() === "") throw new Error("a preview alias needs a branch name");
  const room = MAX_DNS_LABEL - workerName.length - 1;
  if (room < HASH_LENGTH + 2) throw new Error(`worker name "${workerName}" leaves no room for an alias`);

  const slug = branch
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "") // é -> e, before everything non-ASCII becomes a dash
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");

  // Branches that differ only in what the slug drops (case, punctuation, unicode) would collide,
  // so a short hash of the exact branch name is added whenever the slug is not the branch itself.
  const exact = slug === branch && /^[a-z]/.test(slug) && slug.length <= room;
  if (exact) return slug;
  const suffix = `-${hashOf(branch)}`;
  // An alias must start with a letter: "123-fix" becomes "b-123-fix-…", "🎬" becomes "b-…".
  const base = /^[a-z]/.test(slug) ? slug : `b${slug ? `-${slug}` : ""}`;
  const body = base.slice(0, room - suffix.length).replace(/-+$/, "");
  return `${body}${suffix}`;
}

// CLI for the workflow: node scripts/deploy/preview-alias.ts <branch> <worker-name>
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [branch = "", workerName = ""] = process.argv.slice(2);
  console.log(previewAlias(branch, workerName));
}
