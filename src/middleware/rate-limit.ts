import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../endpoint.ts";
import { POLICY_NAME } from "../rate-limit.ts";

/** Every authenticated answer states the policy, so a client can pace itself before it is refused. */
export const rateLimitPolicy = createMiddleware<AppEnv>(async (c, next) => {
  if (c.env.RATE_LIMITER) {
    const { requests, periodSeconds } = c.var.config.rateLimit;
    c.header("RateLimit-Policy", `${POLICY_NAME};q=${requests};w=${periodSeconds}`);
  }
  await next();
});
