import { Hono } from "hono";
import type { AppEnv } from "../endpoint.ts";
import { buildOpenApiDocument } from "./document.ts";

// Built on first use and kept for the isolate's life: it only changes with a deployment.
let document: ReturnType<typeof buildOpenApiDocument> | undefined;

export const openApiRoute = new Hono<AppEnv>().get("/", (c) => {
  document ??= buildOpenApiDocument();
  c.header("Cache-Control", "public, max-age=3600");
  return c.json(document);
});
