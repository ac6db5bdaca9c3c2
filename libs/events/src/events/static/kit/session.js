// The signed-in user of a page and the API calls it makes with their token: the pages hold no rules of their own,
// what a role or a tenant may see is what the REST APIs answer.

const TOKEN = "helpdesk.token";

// The page's configuration: the OIDC issuer and client, and where each service's API is.
async function pageConfig(page) {
  const response = await fetch(`/${page}/config.json`);
  return response.json();
}

// The user's access token, or null while the browser goes to sign in. A token handed over in the fragment
// (`#access_token=...`, as an OIDC implicit response or `make run`'s development links carry it) is kept for the
// tab; with an OIDC client configured, the issuer signs the user in (authorization code with PKCE).
async function signIn(config) {
  const handed = new URLSearchParams(location.hash.slice(1)).get("access_token");
  if (handed) {
    sessionStorage.setItem(TOKEN, handed);
    history.replaceState(null, "", location.pathname + location.search);
  }
  const kept = sessionStorage.getItem(TOKEN);
  if (kept && !expired(kept)) return kept;
  sessionStorage.removeItem(TOKEN);
  if (!config.client_id) return null;
  const users = new oidc.UserManager({
    authority: config.issuer,
    client_id: config.client_id,
    redirect_uri: location.origin + location.pathname,
    scope: config.scope,
    response_type: "code",
    userStore: new oidc.WebStorageStateStore({ store: sessionStorage }),
  });
  if (new URLSearchParams(location.search).has("code")) {
    const user = await users.signinRedirectCallback();
    history.replaceState(null, "", location.pathname);
    return user.access_token;
  }
  const user = await users.getUser();
  if (user && !user.expired) return user.access_token;
  await users.signinRedirect();
  return null;
}

function signOut() {
  sessionStorage.clear();
  location.assign(location.pathname);
}

// The token's claims (sub, tenant, roles), read for display only: the APIs check the token themselves.
function claimsOf(token) {
  const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  return JSON.parse(atob(payload));
}

function expired(token) {
  try {
    return claimsOf(token).exp * 1000 <= Date.now();
  } catch {
    return true;
  }
}

// A refusal of the API, with the problem document's detail and its fields.
export class ApiError extends Error {
  constructor(status, problem) {
    const fields = (problem.errors || []).map((e) => `${e.field}: ${e.message}`).join("; ");
    super([problem.detail || problem.title || `HTTP ${status}`, fields].filter(Boolean).join(" — "));
    this.status = status;
    this.problem = problem;
  }
}

// Calls to the suite's APIs as the signed-in user: `api.get("tickets", "/tickets", {limit: 20})`.
function apiFor(config, token) {
  const base = (service) => {
    if (!(service in config.services)) throw new Error(`the ${service} service is not configured for this page`);
    return config.services[service];
  };
  const url = (service, path, params) => {
    const query = new URLSearchParams(
      Object.entries(params || {}).filter(([, v]) => v !== undefined && v !== null && v !== ""),
    );
    return `${base(service)}${path}${query.size ? `?${query}` : ""}`;
  };
  const call = async (method, service, path, { params, body, ifMatch, accept } = {}) => {
    const headers = { Authorization: `Bearer ${token}`, Accept: accept || "application/json" };
    if (method !== "GET") {
      headers["Idempotency-Key"] = crypto.randomUUID();
      if (body !== undefined) headers["Content-Type"] = "application/json";
      if (ifMatch !== undefined) headers["If-Match"] = `"${ifMatch}"`;
    }
    const response = await fetch(url(service, path, params), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) {
      const problem = await response.json().catch(() => ({}));
      throw new ApiError(response.status, problem);
    }
    return response;
  };
  return {
    url,
    has: (service) => service in config.services,
    get: async (service, path, params) => (await call("GET", service, path, { params })).json(),
    post: async (service, path, body, options = {}) =>
      (await call("POST", service, path, { body, ...options })).json(),
    // A CSV answer saved as a file: the link cannot carry the bearer token, so the page fetches it.
    download: async (service, path, params, filename) => {
      const response = await call("GET", service, path, { params, accept: "text/csv" });
      const link = document.createElement("a");
      link.href = URL.createObjectURL(await response.blob());
      link.download = filename;
      link.click();
      URL.revokeObjectURL(link.href);
    },
  };
}

// Every page's frame: sign the user in (else say how, in the words of main's data-signed-out), say who they are
// with a way out in the header's nav, run the page with its API client, and mark it ready for whoever waits.
export async function startPage(page, run) {
  try {
    const config = await pageConfig(page);
    const token = await signIn(config);
    const main = document.querySelector("main");
    if (!token) {
      main.append(el("section", { id: "signed-out" }, el("h2", {}, "Sign in"), el("p", {}, main.dataset.signedOut)));
      return;
    }
    const claims = claimsOf(token);
    document.querySelector("header nav").append(el("ul", {},
      el("li", { class: "signed-in", id: "who" }, `${claims.sub} (${claims.roles.join(", ")})`),
      el("li", {}, el("button", { class: "secondary outline", id: "sign-out", onclick: signOut }, "Sign out"))));
    await run(apiFor(config, token), claims);
  } catch (error) {
    report(document.querySelector("#message"), error);
  } finally {
    document.body.dataset.ready = "true";
  }
}

// Runs a user's action; a refusal shows in the page's #message instead of breaking the page.
export async function attempt(action) {
  const message = document.querySelector("#message");
  message.hidden = true;
  try {
    return await action();
  } catch (error) {
    report(message, error);
    return undefined;
  }
}

// Shows an API's refusal (or any failure) where the page keeps its messages, for screen readers too.
export function report(region, error) {
  region.textContent = describe(error);
  region.hidden = false;
}

// A failure in words: an API's refusal with its status, anything else by its message.
export function describe(error) {
  return error instanceof ApiError ? `${error.status}: ${error.message}` : String(error.message || error);
}

// `el("td", {class: "n"}, "3")`: an element with attributes and children, text escaped by the DOM.
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  node.append(...children.flat().filter((c) => c !== undefined && c !== null));
  return node;
}
