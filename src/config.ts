import * as z from "zod/mini";
import type { Bindings } from "./env.ts";

const ConfigSchema = z.object({
  DATABASE_URL: z.string().check(z.regex(/^postgres(ql)?:\/\/\S+$/, "must be a postgres:// URL")),
  // Only development and tests point the Neon driver at a local endpoint; production never sets it.
  NEON_FETCH_ENDPOINT: z.optional(z.url({ protocol: /^https?$/ })),
  REGION: z._default(z.enum(["us", "eu", "local"]), "local"),
});

export type Config = {
  databaseUrl: string;
  neonFetchEndpoint: string | undefined;
  region: "us" | "eu" | "local";
};

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

// Workers hand the same env object to every request of an isolate: parse it once per object.
const parsed = new WeakMap<object, ConfigResult>();

export function parseConfig(env: Bindings): ConfigResult {
  const cached = parsed.get(env);
  if (cached) return cached;
  const result = ConfigSchema.safeParse(env);
  const value: ConfigResult = result.success
    ? {
        ok: true,
        config: {
          databaseUrl: result.data.DATABASE_URL,
          neonFetchEndpoint: result.data.NEON_FETCH_ENDPOINT,
          region: result.data.REGION,
        },
      }
    : // Names only: a secret's value must never reach a log line.
      { ok: false, problems: result.error.issues.map((i) => `${i.path.join(".")}: ${i.code}`) };
  parsed.set(env, value);
  return value;
}
