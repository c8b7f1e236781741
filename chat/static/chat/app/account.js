/** The account pages: log in, sign up, change the password, the users I blocked. */

import { ApiError, api, clearError, send, showError } from './api.js';
import { $, button, make, onSubmit, show } from './dom.js';
import { clearFormErrors, showFormErrors } from './form-errors.js';
import { loadUser } from './topbar.js';

/**
 * Where to go after logging in: the server's choice (<body data-next>, a path on
 * this site), checked again by parsing it as the browser will navigate, so that
 * nothing that resolves to another origin ("//host", "/\t/host", "/\\host") is
 * followed. Never a pattern.
 */
function nextPath() {
  const fallback = '/groups/';
  const next = document.body.dataset.next ?? '';
  let url;
  try {
    url = new URL(next, location.origin);
  } catch {
    return fallback;
  }
  if (!next.startsWith('/') || url.origin !== location.origin) return fallback;
  return url.pathname + url.search + url.hash;
}

/**
 * A form of the account pages, posted as JSON to `url`; `done(body)` runs on
 * success. Every refusal is shown, each field's under the field and the rest in
 * `error`, a 401 included: here it means wrong credentials, not an expired session.
 */
function accountForm(form, error, url, done) {
  const button = form.querySelector('button[type="submit"]');
  onSubmit(form, async () => {
    clearFormErrors(form, error);
    button.disabled = true;
    try {
      const response = await send('POST', url, Object.fromEntries(new FormData(form)));
      const body = response.status === 204 ? null : await response.json().catch(() => null);
      if (response.ok) done(body);
      else showFormErrors(form, error, new ApiError(response.status, body));
    } catch {
      showError(error, 'Cannot reach the server; try again.');
    } finally {
      button.disabled = false;
    }
  });
}

/** The links between the login and sign-up pages keep the ?next= they came with. */
function keepNext() {
  for (const link of document.querySelectorAll('a.keeps-next')) link.search = location.search;
}

export function loginPage() {
  keepNext();
  accountForm($('#login-form'), $('#login-error'), '/api/auth/login/', () => location.assign(nextPath()));
}

export function signupPage() {
  keepNext();
  accountForm($('#signup-form'), $('#signup-error'), '/api/auth/signup/', () => location.assign(nextPath()));
}

export async function accountPage() {
  const form = $('#password-form');
  accountForm(form, $('#password-error'), '/api/auth/password/', () => {
    form.reset();
    show($('#password-done'));
  });
  form.addEventListener('input', () => show($('#password-done'), false));
  await loadUser().catch((failure) => showError($('#password-error'), failure));
  await blockedUsers($('#blocked-list'), $('#blocked-error'));
}

/** The users I blocked (they cannot add me to groups), each with a way to unblock. */
async function blockedUsers(list, error) {
  const load = async () => {
    const blocks = await api('GET', '/api/blocks/');
    list.replaceChildren(
      ...blocks.map((block) => {
        const item = make('li', 'blocked-user', block.user.username);
        item.append(
          button('Unblock', async () => {
            clearError(error);
            await api('DELETE', `/api/blocks/${block.user.id}/`).catch((failure) => showError(error, failure));
            await load();
          }),
        );
        return item;
      }),
    );
    show($('#blocked-none'), blocks.length === 0);
  };
  await load().catch((failure) => showError(error, failure));
}
