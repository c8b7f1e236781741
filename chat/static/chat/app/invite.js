/**
 * The invite page (/invite/<token>/): join the chat with one click when logged in;
 * otherwise log in or sign up, and come back here (?next=). A link that does not work
 * is explained by the page itself, with no button.
 */

import { api, refreshSession, send, showError } from './api.js';
import { loadUser } from './topbar.js';
import { $, show } from './dom.js';

async function loggedIn() {
  const me = await send('GET', '/api/auth/me/');
  if (me.ok) return true;
  return me.status === 401 && (await refreshSession());
}

export async function invitePage() {
  const join = $('#join-button');
  if (!join) return;
  if (!(await loggedIn())) {
    const next = `?next=${encodeURIComponent(location.pathname)}`;
    $('#invite-login-link').href += next;
    $('#invite-signup-link').href += next;
    show(join, false);
    show($('#invite-login'));
    return;
  }
  await loadUser();
  const token = encodeURIComponent(document.body.dataset.token);
  join.addEventListener('click', async () => {
    join.disabled = true;
    try {
      const joined = await api('POST', `/api/invites/${token}/join/`);
      location.assign(`/groups/${joined.group_chat_id}/`);
    } catch (error) {
      showError($('#invite-error'), error);
      join.disabled = false;
    }
  });
  join.disabled = false;
}
