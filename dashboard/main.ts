import { type Answer, apiKey, getJson, KEY_STORAGE, request } from "./api.ts";
import { chartData } from "./chart.ts";
import { fetchContext, fillEntities, type OrganizationContext } from "./context.ts";
import { $, session, type View, type ViewName, VIEWS } from "./views.ts";

// The dashboard: the invoiced-usage page Lago sells with its premium licence, a usage page, and the
// revenue pages (gross revenue, MRR, collections, overdue balance), on this service's API. Plain
// TypeScript on the DOM: a few forms and tables need no framework. What is shown (page, filters,
// granularity, never the key) lives in the URL, so a link or a reload opens the same view.

const signIn = $<HTMLFormElement>("#sign-in");
const keyInput = $<HTMLInputElement>("#api-key");
const signInMessage = $<HTMLElement>("#sign-in-message");
const freshness = $<HTMLElement>("#freshness");
let current: ViewName = "invoiced";
let lastBody: Partial<Record<ViewName, unknown>> = {};

function describeFreshness(headers: Headers) {
  const modified = headers.get("Last-Modified");
  const age = headers.get("Age");
  const verdict = (headers.get("Cache-Status") ?? "").split(";").slice(1).map((p) => p.trim());
  const cached = verdict.includes("hit") ? `from the edge cache, copy ${age ?? 0} s old` : "just read";
  const asOf = modified ? `Numbers as of ${new Date(modified).toLocaleString(navigator.language || "en-US")}` : "Numbers as of now";
  freshness.textContent = `${asOf} (${cached}).`;
}

function showError(view: View, answer: Exclude<Answer, { ok: true }>) {
  const status = $<HTMLElement>(".status", view.section);
  status.classList.add("error");
  const retry = answer.headers.get("Retry-After");
  if (answer.status === 401) return signOut("That key was refused (401): paste a live Lago API key.");
  if (answer.status === 422 && answer.body.error_details) {
    for (const [name, reasons] of Object.entries(answer.body.error_details)) {
      const slot = view.section.querySelector<HTMLElement>(`[id$="-${name}-error"]`);
      if (slot) slot.textContent = reasons.join(", ").replaceAll("_", " ");
    }
    status.textContent = "Some fields are not valid: see the messages next to them.";
    return;
  }
  if (answer.status === 429) status.textContent = `Too many requests: try again in ${retry ?? "a few"} seconds.`;
  else if (answer.status === 503) status.textContent = `The database is unavailable: try again in ${retry ?? "a few"} seconds.`;
  else if (answer.status === 404) status.textContent = answer.body.code === "billing_entity_not_found" ? "No billing entity has that code." : "Not found.";
  else status.textContent = `Something went wrong (${answer.status})${answer.body.request_id ? `, request id ${answer.body.request_id}` : ""}.`;
}

/** `early`: the view's answer already asked for (at sign-in, beside the key check). */
async function load(fresh = false, early?: Promise<Answer>) {
  const view = VIEWS[current];
  for (const slot of view.section.querySelectorAll<HTMLElement>(".field-error")) slot.textContent = "";
  const status = $<HTMLElement>(".status", view.section);
  status.classList.remove("error");
  status.textContent = "Loading…";
  view.section.setAttribute("aria-busy", "true");
  try {
    const answer = await (early ?? getJson(view.path, view.params(), fresh));
    if (!answer.ok) return showError(view, answer);
    lastBody[current] = answer.body;
    view.render(answer.body);
    describeFreshness(answer.headers);
    remember();
  } catch {
    status.classList.add("error");
    status.textContent = "The service could not be reached.";
  } finally {
    view.section.removeAttribute("aria-busy");
  }
}

// --- The view in the URL: ?view=mrr&months=6&currency=EUR… (never the key). ---

/** The URL's query for what is shown: the page and every non-empty field of its form. */
function stateQuery(): string {
  const params = new URLSearchParams({ view: current });
  for (const [name, value] of new FormData(VIEWS[current].form)) if (String(value) !== "") params.set(name, String(value));
  return `?${params}`;
}

/** A new history entry when the view changed (back and forward move between views). */
function remember() {
  const query = stateQuery();
  if (query === location.search) return;
  // The bare address becomes the first view's, rather than a step back to nothing in particular.
  if (location.search === "") history.replaceState(null, "", query);
  else history.pushState(null, "", query);
}

/** Sets the page and its fields from a URL query; a value a select lacks (a code from a link) is added. */
function applyQuery(search: string) {
  const params = new URLSearchParams(search);
  const name = params.get("view");
  current = name !== null && name in VIEWS ? (name as ViewName) : "invoiced";
  const form = VIEWS[current].form;
  for (const [field, value] of params) {
    const el = form.elements.namedItem(field);
    if (el instanceof HTMLSelectElement) {
      if (field === "currency") el.dataset.want = value;
      if (![...el.options].some((o) => o.value === value)) el.append(new Option(value, value));
      el.value = value;
    } else if (el instanceof HTMLInputElement) {
      el.value = value;
    }
  }
}

function show(name: ViewName, reload = false, early?: Promise<Answer>) {
  current = name;
  for (const [n, v] of Object.entries(VIEWS)) v.section.hidden = n !== name;
  for (const b of document.querySelectorAll<HTMLButtonElement>("#views button")) b.setAttribute("aria-pressed", String(b.dataset.view === name));
  const body = lastBody[name];
  if (body && !reload) {
    VIEWS[name].render(body);
    remember();
  } else void load(false, early);
}

function signOut(message = "") {
  sessionStorage.removeItem(KEY_STORAGE);
  lastBody = {};
  session.context = undefined;
  signInMessage.textContent = message;
  signIn.hidden = false;
  for (const el of [$("#views"), $("#session"), ...Object.values(VIEWS).map((v) => v.section)]) el.hidden = true;
  freshness.textContent = "";
  keyInput.focus();
}

/**
 * Checks the key with the organization's context before anything else is shown: a refused key
 * brings the form back with the reason, whatever the pages' own requests would have answered.
 */
async function enter(key: string) {
  sessionStorage.setItem(KEY_STORAGE, key);
  signInMessage.textContent = "Checking the key…";
  signIn.setAttribute("aria-busy", "true");
  let answer: Answer | undefined;
  // The first page's figures are asked for at once, beside the check: one round trip less to the first chart.
  const early = getJson(VIEWS[current].path, VIEWS[current].params());
  early.catch(() => undefined);
  try {
    answer = await fetchContext();
  } catch {
    answer = undefined;
  } finally {
    signIn.removeAttribute("aria-busy");
  }
  if (answer?.ok) {
    const context = answer.body as OrganizationContext;
    session.context = context;
    for (const select of document.querySelectorAll<HTMLSelectElement>("select[name=billing_entity_code]")) fillEntities(select, context, select.value);
    signIn.hidden = true;
    signInMessage.textContent = "";
    $("#views").hidden = false;
    $("#session").hidden = false;
    show(current, false, early);
    return;
  }
  signOut(answer?.status === 401 ? "That key was refused (401): paste a live Lago API key."
    : answer ? `The key could not be checked (${answer.status}): try again in a moment.` : "The service could not be reached: try again in a moment.");
}

async function downloadCsv() {
  const view = VIEWS[current];
  const response = await request(view.path, { ...view.csvParams(), format: "csv" });
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as Exclude<Answer, { ok: true }>["body"];
    return showError(view, { ok: false, status: response.status, body, headers: response.headers });
  }
  const name = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") ?? "")?.[1] ?? "export.csv";
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

signIn.addEventListener("submit", (event) => {
  event.preventDefault();
  const key = keyInput.value.trim();
  // The key leaves the DOM at once: it lives in this tab's session storage only.
  keyInput.value = "";
  if (key) void enter(key);
});
for (const view of Object.values(VIEWS)) {
  view.form.addEventListener("submit", (event) => {
    event.preventDefault();
    void load();
  });
}
const redrawOnChange = ["#iu-currency", "#u-currency", "#u-measure", "#gross-currency", "#mrr-currency", "#collections-currency", "#overdue-currency"];
for (const select of redrawOnChange.map((id) => $<HTMLSelectElement>(id))) {
  select.addEventListener("change", () => {
    if (select.name === "currency") select.dataset.want = select.value;
    const body = lastBody[current];
    if (!body) return;
    VIEWS[current].render(body);
    remember();
  });
}
for (const button of document.querySelectorAll<HTMLButtonElement>("#views button")) {
  button.addEventListener("click", () => show(button.dataset.view as ViewName));
}
$("#refresh").addEventListener("click", () => void load(true));
$("#download").addEventListener("click", () => void downloadCsv());
$("#sign-out").addEventListener("click", () => signOut());
window.addEventListener("popstate", () => {
  if (signIn.hidden === false) return;
  applyQuery(location.search);
  show(current, true);
});

// The usage view starts on the last twelve months, like the invoiced view, unless the URL says otherwise.
const today = new Date();
$<HTMLInputElement>("#u-to_date").value = today.toISOString().slice(0, 10);
$<HTMLInputElement>("#u-from_date").value = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - 11, 1)).toISOString().slice(0, 10);
applyQuery(location.search);

// What the charts show, for browser tests and the curious: read-only.
Object.assign(window, { lagoDashboard: { chart: (view: ViewName) => chartData($<HTMLCanvasElement>("canvas", VIEWS[view].section)) } });

const stored = apiKey();
if (stored) void enter(stored);
else signOut();
