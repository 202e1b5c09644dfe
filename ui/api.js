// The keep console's only way to the server: the REST API (docs/api.md) with a bearer
// token. The token lives in this module's memory only — never localStorage, sessionStorage
// or a cookie — so reloading the page signs out and no other page can read it. Requests
// carry it in the Authorization header, never ambiently, so a cross-site request cannot
// act as the signed-in user (no CSRF).

let token = null;
let certificate = false;  // signed in with the client certificate the browser presents

export function setToken(t) { token = t || null; certificate = false; }
export function setCertificate(on) { certificate = on; token = null; }
export function signedIn() { return token !== null || certificate; }

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

// Calls `method path` with an optional JSON body; resolves to the parsed JSON answer (or
// null for 204), rejects with ApiError carrying the API's code and message.
// With `as` 'text' the answer's text is returned as it is (for /metrics).
export async function api(method, path, body, as) {
  const headers = {'Accept': as === 'text' ? 'text/plain' : 'application/json'};
  if (token) headers['Authorization'] = 'Bearer ' + token;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let resp;
  try {
    resp = await fetch(path, {method, headers, credentials: 'omit', cache: 'no-store',
                              body: body === undefined ? undefined : JSON.stringify(body)});
  } catch (e) {
    throw new ApiError(0, 'unreachable', 'keepd did not answer: ' + e.message);
  }
  if (resp.status === 204) return null;
  const text = await resp.text();
  if (as === 'text' && resp.ok) return text;
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
  if (!resp.ok && !(path.startsWith('/v1/sys/health'))) {
    const err = data && data.error ? data.error : {};
    throw new ApiError(resp.status, err.code || String(resp.status),
                       err.message || 'HTTP ' + resp.status);
  }
  return data;
}

// A path segment, escaped.
export function seg(s) { return encodeURIComponent(s); }
