import { api, logOut } from './api.js';
import { $, show } from './dom.js';

/** The top bar: who is logged in, and a way out. Returns the user. */
export async function loadUser() {
  const me = await api('GET', '/api/auth/me/');
  $('#whoami').textContent = `Signed in as ${me.username}`;
  show($('#whoami'));
  show($('#account-link'));
  const logout = $('#logout');
  logout.addEventListener('click', logOut);
  show(logout);
  return me;
}
