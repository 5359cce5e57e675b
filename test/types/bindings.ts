// The hand-written Bindings (src/env.ts) hold every binding and var wrangler.toml declares, as
// `wrangler types` wrote them to worker-configuration.d.ts (Cloudflare.Env), with a type the
// generated one fits: a binding added to wrangler.toml and forgotten, or typed otherwise, in
// Bindings fails the typecheck. (Bindings has more: secrets and optional bindings wrangler.toml
// leaves out, such as DATABASE_URL and HYPERDRIVE.) test/unit/wrangler-config.test.ts checks that
// the generated file is current.
import type { Bindings } from "../../src/env.ts";

type Generated = Cloudflare.Env;
type Missing = Exclude<keyof Generated, keyof Bindings>;
type Mismatched = {
  [K in keyof Generated & keyof Bindings]: Generated[K] extends NonNullable<Bindings[K]> ? never : K;
}[keyof Generated & keyof Bindings];

export const bindingsCoverWranglerToml: [Missing, Mismatched] extends [never, never] ? true : { missing: Missing; mismatched: Mismatched } = true;
