/**
 * The REST API as the pages call it. The JWTs live in HttpOnly cookies this script
 * never sees; every write echoes the csrftoken cookie in X-CSRFToken. A 401 refreshes
 * the session once, then sends the visitor to log in.
 */

import { show } from './dom.js';

/**
 * An API answer other than 2xx. Its message says every problem, as sentences; `fields`
 * holds each field's problems as one sentence (field name -> text), for a form to show
 * under its field, and `general` what concerns no one field.
 */
export class ApiError extends Error {
  constructor(status, body) {
    const { general, fields } = explain(body);
    super([general, ...Object.values(fields)].filter(Boolean).join(' ') || `The server answered HTTP ${status}.`);
    this.status = status;
    this.general = general;
    this.fields = fields;
  }
}

/** DRF error bodies: {"detail": "..."} or {"field": ["problem", ...], "non_field_errors": [...]}. */
function explain(body) {
  const fields = {};
  if (!body || typeof body !== 'object') return { general: '', fields };
  if (typeof body.detail === 'string') return { general: body.detail, fields };
  let general = '';
  for (const [field, problems] of Object.entries(body)) {
    const text = [problems].flat().join(' ');
    if (field === 'non_field_errors') general = text;
    else fields[field] = text;
  }
  return { general, fields };
}

export function cookie(name) {
  const prefix = `${name}=`;
  const found = document.cookie.split('; ').find((item) => item.startsWith(prefix));
  return found ? decodeURIComponent(found.slice(prefix.length)) : '';
}

/** One request, as the API expects it; the raw Response. A FormData body goes as the
 * form a browser sends (multipart, its type set by fetch); any other as JSON. */
export function send(method, url, body) {
  const headers = { Accept: 'application/json' };
  const form = body instanceof FormData;
  if (body !== undefined && !form) headers['Content-Type'] = 'application/json';
  if (method !== 'GET') headers['X-CSRFToken'] = cookie('csrftoken');
  return fetch(url, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined || form ? body : JSON.stringify(body),
  });
}

let refreshing = null;

/**
 * Trade the refresh cookie for fresh tokens. Callers share one attempt: the
 * refresh token rotates, and the old one is blacklisted once used.
 */
export function refreshSession() {
  refreshing ??= send('POST', '/api/auth/refresh/')
    .then((response) => response.ok, () => false)
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

// Set by "Log out": the logout closes this page's sockets (4401), which must not send
// it to log in again with a ?next= while it is on its way to /login/.
let loggingOut = false;

export function goToLogin() {
  if (loggingOut) return;
  const next = location.pathname + location.search;
  location.assign(`/login/?next=${encodeURIComponent(next)}`);
}

export async function logOut() {
  loggingOut = true;
  await send('POST', '/api/auth/logout/').catch(() => null);
  location.assign('/login/');
}

/**
 * Call the API and return its JSON (null for 204). A 401 refreshes the
 * session and retries once; if that fails the user is sent to log in.
 */
export async function api(method, url, body) {
  let response = await send(method, url, body);
  if (response.status === 401 && (await refreshSession())) {
    response = await send(method, url, body);
  }
  if (response.status === 401) goToLogin();
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

/** Every page of a paginated list ({next, results}); a plain list as it is. */
export async function* pages(url) {
  while (url) {
    const page = await api('GET', url);
    if (Array.isArray(page)) {
      yield page;
      return;
    }
    yield page.results;
    url = page.next;
  }
}

/** Show what went wrong in `element` (an API refusal's explanation, or a text). */
export function showError(element, error) {
  // A 401 is already on its way to the login page.
  if (error instanceof ApiError && error.status === 401) return;
  const message = error instanceof Error ? error.message : String(error ?? '');
  element.textContent = message;
  show(element, message !== '');
}

export function clearError(element) {
  showError(element, '');
}
