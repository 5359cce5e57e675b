import * as fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DOCS_PATH, OPENAPI_PATH, ROUTES } from "../../src/app.ts";
import { invoicedUsageEndpoint, InvoicedUsageResponseSchema } from "../../src/routes/invoiced-usage.ts";
import { usageEndpoint, UsageResponseSchema } from "../../src/routes/usage.ts";
import { createBillingScenario } from "./helpers/factories.ts";
import { callWorker } from "./helpers/request.ts";
import { chargeUsage } from "../helpers/lago-usage.ts";
import { createUsageScenario } from "./helpers/usage-factories.ts";

// Fuzzed requests through the Worker's own fetch handler: whatever arrives, the answer is one of
// the documented JSON shapes (docs/api.md, "Requests and errors") and never a 5xx.
const QUERY_RUNS = 150; // per route
const AUTH_RUNS = 100; // per route
const ROUTE_RUNS = 150;

const INVOICED = invoicedUsageEndpoint.path;
const USAGE = usageEndpoint.path;
const PARAMS: Record<string, string[]> = { [INVOICED]: Object.keys(invoicedUsageEndpoint.query.shape), [USAGE]: Object.keys(usageEndpoint.query.shape) };
const RESPONSES: Record<string, { safeParse(v: unknown): { success: boolean } }> = { [INVOICED]: InvoicedUsageResponseSchema, [USAGE]: UsageResponseSchema };
const REASONS = ["value_is_invalid", "value_is_duplicated", "invalid_date"];
const ALLOWED_METHODS = ["GET", "HEAD", "OPTIONS"];

const cases = { query: 0, authorization: 0, route: 0 };
const statuses: Record<number, number> = {};
const apiKeys: Record<string, string> = {};

beforeAll(async () => {
  // An organization per endpoint with rows in the default windows, so that 200s carry data to validate.
  const billing = await createBillingScenario();
  await billing.fee(1234, `${new Date().toISOString().slice(0, 7)}-01 10:00:00`);
  apiKeys[INVOICED] = billing.org.apiKey;
  const usage = await createUsageScenario();
  await usage.usage(new Date().toISOString().slice(0, 10), [chargeUsage(usage.metric, "1.5", 150)]);
  apiKeys[USAGE] = usage.org.apiKey;
});

afterAll(() => {
  const total = cases.query + cases.authorization + cases.route;
  console.log(
    `[fuzz] ${total} cases: ${cases.query} query strings, ${cases.authorization} Authorization headers, ${cases.route} paths/methods; statuses ${JSON.stringify(statuses)}`,
  );
});

/** Every byte percent-encoded, except the unreserved ones: any byte sequence, valid UTF-8 or not. */
const percentEncode = (bytes: Uint8Array) =>
  [...bytes].map((b) => (/[A-Za-z0-9\-._~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, "0")}`)).join("");
const encodeText = (text: string) => percentEncode(new TextEncoder().encode(text));

const value = fc.oneof(
  fc.uint8Array({ maxLength: 48 }).map(percentEncode), // random bytes
  fc.constantFrom("%", "%%", "%G1", "%E2%82", "%ZZ", "%0", "%C0%AF", "%ED%A0%80", "%FF%FE", "%00", "a%2", "%25%32"), // encoding errors
  fc.oneof(fc.bigInt({ min: 10n ** 6n, max: 10n ** 400n }).map(String), fc.constantFrom("1e400", "-1", "-0", "0x10", "Infinity", "NaN", "1.5", "+3", "%203", "%D9%A3", "9007199254740993")), // huge numbers
  fc.tuple(fc.constantFrom("a", "%C3%A9", "9", "'"), fc.integer({ min: 256, max: 20_000 })).map(([c, n]) => c.repeat(n)), // very long
  fc.string({ unit: "binary", maxLength: 24 }).map(encodeText), // any code point (lone surrogates become U+FFFD)
  fc.string({ unit: "grapheme", maxLength: 12 }).map(encodeText), // unicode graphemes
  fc.constantFrom("' OR '1'='1", "1; DROP TABLE fees; --", "usd' --", "$1", "1 UNION SELECT value FROM api_keys", "\\x00", "'); SELECT pg_sleep(10); --").map(encodeText), // SQL-looking
  fc.constantFrom("usd", "EUR", "12", "1", "1200", "2025-01-01", "2025-02-30", "weekly", "company", "fr", "true", "main", ""), // plausible
);

const param = (route: string) =>
  fc.tuple(
    fc.oneof({ arbitrary: fc.constantFrom(...PARAMS[route]!), weight: 4 }, { arbitrary: fc.string({ maxLength: 12 }).map(encodeText), weight: 1 }),
    value,
    fc.constantFrom("=", "=", "=", "", "=="),
  );

const query = (route: string) =>
  fc.tuple(fc.array(param(route), { maxLength: 6 }), fc.boolean()).map(([pairs, repeatFirst]) => {
    const all = repeatFirst && pairs[0] ? [...pairs, pairs[0]] : pairs; // a parameter given twice
    return all.map(([name, val, sep]) => `${name}${sep}${val}`).join("&");
  });

function tally(status: number) {
  statuses[status] = (statuses[status] ?? 0) + 1;
  expect(status, "never a 5xx").toBeLessThan(500);
}

async function expectDocumentedError(response: Response, status: number, body: unknown) {
  expect(response.headers.get("Content-Type")).toMatch(/^application\/json/);
  const expected: Record<number, unknown> = {
    401: { status: 401, error: "Unauthorized" },
    404: { status: 404, error: "Not Found", code: expect.stringMatching(/^(route|billing_entity)_not_found$/) },
    405: { status: 405, error: "Method Not Allowed", code: "not_allowed" },
    422: { status: 422, error: "Unprocessable Entity", code: "validation_errors", error_details: expect.any(Object) },
  };
  expect(Object.keys(expected)).toContain(String(status));
  expect(body).toEqual(expected[status]);
}

describe.each([INVOICED, USAGE])("%s: fuzzed query strings", (route) => {
  it(`answers ${QUERY_RUNS} random query strings with a 200 or a documented 4xx, never a 5xx`, async () => {
    await fc.assert(
      fc.asyncProperty(query(route), async (search) => {
        cases.query++;
        const response = await callWorker(`${route}?${search}`, { apiKey: apiKeys[route] });
        const body: unknown = await response.json();
        tally(response.status);
        if (response.status === 200) {
          expect(RESPONSES[route]!.safeParse(body).success, JSON.stringify(body).slice(0, 300)).toBe(true);
          return;
        }
        await expectDocumentedError(response, response.status, body);
        expect([404, 422]).toContain(response.status);
        if (response.status === 404) expect(route).toBe(INVOICED); // only billing_entity_code can miss
        if (response.status === 422) {
          const details = (body as { error_details: Record<string, string[]> }).error_details;
          expect(Object.keys(details).length).toBeGreaterThan(0);
          for (const [name, reasons] of Object.entries(details)) {
            expect(PARAMS[route]).toContain(name);
            expect(reasons.length).toBeGreaterThan(0);
            for (const reason of reasons) expect(REASONS).toContain(reason);
          }
        }
      }),
      { numRuns: QUERY_RUNS },
    );
  }, 120_000);
});

// CR, LF and NUL cannot be sent in a header at all.
const asHeaderValue = (text: string) => text.replace(/[\r\n\0]/g, "");
// workerd prints a warning for every non-ASCII header value it sends, so those few are listed
// (NON_ASCII below) rather than generated by the hundred.
const authorization = fc.oneof(
  fc.constantFrom("", "Bearer", "Bearer ", "bearer", "Basic", "Token", "Bearer null", "Bearer undefined", "Bearer ' OR '1'='1"),
  fc.tuple(fc.constantFrom("Basic ", "Token ", "Digest ", "Bearer ", "bearer  ", "BEARER ", "Bearer\t", "", "Bearer: "), fc.string({ unit: "binary-ascii", maxLength: 60 })).map(([s, v]) => asHeaderValue(`${s}${v}`)),
  fc.tuple(fc.constantFrom("a", "=", "%", "-"), fc.integer({ min: 100, max: 9000 })).map(([c, n]) => `Bearer ${c.repeat(n)}`),
  // The real key in wrong wrappers: only "Bearer <key>" (any case, any number of spaces) may pass.
  fc.constantFrom("KEY", "Bearer KEY", "bearer   KEY", "Basic KEY", "Bearer KEYx", "Bearer xKEY", "Bearer KEY KEY", "Bearer 'KEY'", "Bearer\tKEY", "Token KEY", "Bearer KEY;"),
);

const NON_ASCII = ["Bearer clé", "Bearer 🔑", "Bearer KEYé", "Bearer ключ-KEY", "Bäarer KEY", `Bearer ${"键".repeat(40)}`];

describe.each([INVOICED, USAGE])("%s: fuzzed Authorization headers", (route) => {
  it(`answers ${AUTH_RUNS} bad Authorization headers with the JSON 401`, async () => {
    await fc.assert(
      fc.asyncProperty(authorization, async (template) => {
        cases.authorization++;
        const apiKey = apiKeys[route]!;
        const header = template.replaceAll("KEY", apiKey);
        const response = await callWorker(route, { headers: { Authorization: header } });
        tally(response.status);
        // Headers arrive trimmed; only the documented scheme with the exact key is accepted.
        if (new RegExp(`^bearer +${apiKey}$`, "i").test(header.trim())) {
          expect(response.status).toBe(200);
          return void (await response.body?.cancel());
        }
        expect(response.status).toBe(401);
        expect(response.headers.get("WWW-Authenticate")).toBe("Bearer");
        await expectDocumentedError(response, 401, await response.json());
      }),
      { numRuns: AUTH_RUNS },
    );
  }, 120_000);

  it.each(NON_ASCII)("answers a non-ASCII Authorization header (%#) with the JSON 401", async (template) => {
    cases.authorization++;
    const response = await callWorker(route, { headers: { Authorization: template.replace("KEY", apiKeys[route]!) } });
    tally(response.status);
    expect(response.status).toBe(401);
    await expectDocumentedError(response, 401, await response.json());
  });
});

const PUBLIC_PATHS: string[] = [OPENAPI_PATH, DOCS_PATH];
const KNOWN_PATHS: string[] = [...ROUTES, ...PUBLIC_PATHS];
const path = fc.oneof(
  fc.webPath(),
  fc.constantFrom(...KNOWN_PATHS),
  fc.tuple(fc.constantFrom(...KNOWN_PATHS), fc.constantFrom("/", "/x", ".json", "%00", "/..", "//", "%2F", "?")).map(([p, s]) => `${p}${s}`),
  fc.string({ unit: "binary", maxLength: 40 }).map((s) => `/${encodeText(s)}`),
);
const NORMALIZED = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"];
const decodePath = (p: string) => {
  try {
    return decodeURI(p);
  } catch {
    return p;
  }
};
const method = fc.constantFrom("GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE", "PROPFIND", "PURGE", "COPY", "SEARCH", "QUERY", "get", "post");

describe("unknown routes and methods", () => {
  it(`answers ${ROUTE_RUNS} random paths and methods with the documented status`, async () => {
    await fc.assert(
      fc.asyncProperty(path, method, fc.boolean(), async (p, sent, withKey) => {
        cases.route++;
        const response = await callWorker(p, { method: sent, apiKey: withKey ? apiKeys[INVOICED] : undefined });
        // fetch upper-cases these six methods, and only these (the Fetch standard's normalization).
        const m = NORMALIZED.includes(sent.toUpperCase()) ? sent.toUpperCase() : sent;
        tally(response.status);
        // The path as the Worker sees it: parsed like callWorker's URL, percent-decoded like Hono's router.
        const { pathname } = new URL(`https://analytics.test${p}`);
        const known = KNOWN_PATHS.includes(decodePath(pathname));
        const text = await response.text();
        if (!known) {
          expect(response.status).toBe(404);
          if (m !== "HEAD") await expectDocumentedError(response, 404, JSON.parse(text));
          return;
        }
        if (m === "OPTIONS") return void expect(response.status).toBe(204);
        if (!ALLOWED_METHODS.includes(m)) {
          expect(response.status).toBe(405);
          expect(response.headers.get("Allow")).toBe("GET, HEAD, OPTIONS");
          return void (await expectDocumentedError(response, 405, JSON.parse(text)));
        }
        const needsKey = !PUBLIC_PATHS.includes(pathname);
        expect(response.status).toBe(needsKey && !withKey ? 401 : 200);
        if (m === "HEAD") expect(text).toBe("");
        else if (response.status === 401) await expectDocumentedError(response, 401, JSON.parse(text));
      }),
      { numRuns: ROUTE_RUNS },
    );
  }, 120_000);
});

describe("found by fuzzing", () => {
  // NUL cannot be stored in PostgreSQL text: sent on to the database it failed the query (a 5xx).
  it.each([
    [INVOICED, "billing_entity_code"],
    [USAGE, "plan_code"],
    [USAGE, "external_customer_id"],
  ])("%s: a NUL in %s is a 422, not a database error", async (route, name) => {
    cases.query++;
    const response = await callWorker(`${route}?${name}=a%00b`, { apiKey: apiKeys[route] });
    tally(response.status);
    expect(await response.json()).toEqual({
      status: 422, error: "Unprocessable Entity", code: "validation_errors", error_details: { [name]: ["value_is_invalid"] },
    });
  });

  it("PURGE, PROPFIND and other methods on a known route are a 405 before any key check", async () => {
    cases.route++;
    const response = await callWorker(INVOICED, { method: "PROPFIND" });
    tally(response.status);
    expect(response.status).toBe(405);
    expect(response.headers.get("Allow")).toBe("GET, HEAD, OPTIONS");
  });
});
