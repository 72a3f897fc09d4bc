// The portal's only way to the platform: the public HTTP API v1, same origin,
// with the bearer token kept in this browser.
import { setCityClock } from "./ui.js";

const TOKEN_KEY = "luoshi.token";

export class ApiError extends Error {
  /** `body` is the error answer: `{"detail", "code"?, "message"?}`; `status` 0
   * when no answer came, `cause` the browser's own error then. */
  constructor(status, body, cause) {
    const answered = body && typeof body === "object" && (body.detail != null || typeof body.message === "string");
    const detail = answered ? body.detail : null;
    const said = answered && typeof body.message === "string" ? body.message : null;
    const missing = answered ? null : unanswered(status);
    super(said || (missing ? missing.message : describe(status, detail)), { cause });
    this.status = status;
    this.detail = detail;
    // The gateway's Chinese words for people, with the stable code machines read:
    // at the top of a refused input or a service's refusal, inside `detail` for
    // the gateway's own refusals; the portal's own when the gateway's never came.
    this.code = missing ? missing.code : body.code || (detail && detail.code) || null;
    this.said = said || (detail && typeof detail.message === "string" ? detail.message : null) || (missing && missing.message);
  }
}

// When no answer of the gateway's came: the connection failed (status 0), or
// something in front of it answered without the gateway's JSON, as a proxy's
// 502 or 504 while the gateway restarts. People read what to do; the code, and
// the error's cause, are for the console.
function unanswered(status) {
  if (status === 0) return { code: "network_failed", message: "网络连接中断，请检查网络后重试。" };
  if (status >= 500) return { code: `http_${status}`, message: "服务暂时不可用（正在重启或维护），请稍后重试。" };
  if (status === 413) return { code: "http_413", message: "提交的内容过大，请缩小文件或分批提交。" };
  if (status === 429) return { code: "http_429", message: "操作过于频繁，请稍后再试。" };
  return { code: `http_${status}`, message: "请求未能完成，请刷新页面后重试。" };
}

function describe(status, detail) {
  if (typeof detail === "string") return detail;
  // The gateway's own refusals: a stable code and the words to show.
  if (detail && typeof detail.message === "string") return detail.message;
  if (Array.isArray(detail)) return detail.map((item) => item.message || item.msg || JSON.stringify(item)).join("；");
  // A service's refusals by field: each a stable code and its words, at any depth.
  const words = coded(detail);
  if (words.length) return words.join("；");
  if (detail && typeof detail === "object") return JSON.stringify(detail);
  return unanswered(status).message;
}

function coded(detail) {
  if (!detail || typeof detail !== "object") return [];
  if (typeof detail.code === "string" && typeof detail.message === "string") return [detail.message];
  return Object.values(detail).flatMap(coded);
}

export const session = {
  get token() { return localStorage.getItem(TOKEN_KEY); },
  set token(value) {
    if (value) localStorage.setItem(TOKEN_KEY, value);
    else localStorage.removeItem(TOKEN_KEY);
  },
  me: null,
};

let onUnauthorised = () => {};
export function whenUnauthorised(callback) { onUnauthorised = callback; }

function query(params) {
  const pairs = Object.entries(params || {}).filter(([, value]) => value !== undefined && value !== null && value !== "");
  return pairs.length ? "?" + new URLSearchParams(pairs).toString() : "";
}

/** Call the API: `api("/tasks", {params, method, json, form})` answers the parsed JSON. */
export async function api(path, { params, method = "GET", json, form, raw = false, headers = {} } = {}) {
  const init = { method, headers: { ...headers } };
  if (session.token) init.headers.Authorization = `Bearer ${session.token}`;
  if (json !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(json);
  } else if (form !== undefined) {
    init.body = form;
  }
  let response;
  try {
    response = await fetch(`/api/v1${path}${query(params)}`, init);
  } catch (error) {
    // fetch fails only when no answer came: offline, or the connection dropped.
    throw new ApiError(0, null, error);
  }
  if (response.status === 401 && path !== "/auth/token") {
    session.token = null;
    onUnauthorised();
  }
  if (!response.ok) {
    let body = null;
    try { body = await response.json(); } catch { /* not JSON */ }
    throw new ApiError(response.status, body);
  }
  if (raw) return response;
  if (response.status === 204) return null;
  return response.json();
}

/** Every item of a paged list. */
export async function all(path, params = {}) {
  const items = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await api(path, { params: { ...params, limit: 1000, offset } });
    items.push(...page.items);
    if (items.length >= page.total || page.items.length === 0) return items;
  }
}

let clockAsked = 0;
let clockAnswer = null;

/** Set the city's clock (ui.js) from the platform's (GET /today): before the
 * first page, then at most once a minute, so a rehearsal's moved clock shows
 * soon. Without an answer the pages keep Beijing time on this browser's clock.
 * A page drawn while the question is out (a sign-in's page and the hash change
 * it makes) waits for the same answer, rather than drawing on this browser's. */
export function cityClock() {
  if (clockAnswer && Date.now() - clockAsked < 60_000) return clockAnswer;
  clockAsked = Date.now();
  clockAnswer = api("/today").then(setCityClock, () => { /* asked again in a minute */ });
  return clockAnswer;
}

let unitNamesCache = null;

/** {code: name} of every unit the caller may see, for lists whose rows carry
 * unit codes: asked again after a minute, so a renamed unit shows soon. */
export async function unitNames() {
  if (!unitNamesCache || Date.now() - unitNamesCache.at > 60_000) {
    unitNamesCache = { at: Date.now(), names: all("/units").then((units) => new Map(units.map((unit) => [unit.code, unit.name]))) };
    unitNamesCache.names.catch(() => { unitNamesCache = null; });
  }
  const names = await unitNamesCache.names;
  return (code) => (code ? names.get(code) || code : "—");
}

/** Save a file the API answers (an .xlsx, a PDF) under its own name. */
export async function download(path, params, fallbackName) {
  const response = await api(path, { params, raw: true });
  const disposition = response.headers.get("Content-Disposition") || "";
  const encoded = /filename\*=UTF-8''([^;]+)/.exec(disposition);
  const plain = /filename="([^"]+)"/.exec(disposition);
  const name = encoded ? decodeURIComponent(encoded[1]) : plain ? plain[1] : fallbackName;
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

export async function signIn(username, password) {
  const form = new URLSearchParams({ username, password });
  const answer = await api("/auth/token", { method: "POST", form });
  session.token = answer.access_token;
  session.me = await api("/auth/me");
  return session.me;
}

export async function signOut() {
  try { await api("/auth/logout", { method: "POST" }); } catch { /* already gone */ }
  session.token = null;
  session.me = null;
}
