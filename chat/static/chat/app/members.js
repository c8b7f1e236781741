/**
 * The members panel of a group page: who is in the group, with their roles; owners
 * and admins change roles, remove members and add new ones (by username).
 */

import { api, clearError, showError } from './api.js';
import { $, make, onSubmit, show } from './dom.js';

const ROLES = ['member', 'admin', 'owner'];

function memberItem(member, me, canManage, onChange) {
  const item = make('li', 'member');
  item.dataset.username = member.user.username;
  item.dataset.userId = member.user.id;
  const dot = make('span', 'presence-dot');
  dot.title = 'offline';
  const name = make('span', 'member-name', member.user.username);
  if (member.user.id === me.id) name.append(make('span', 'badge', 'you'));
  item.append(dot, name);
  if (!canManage) {
    item.append(make('span', 'badge', member.chat_role));
    return item;
  }
  const role = make('select', 'member-role');
  role.setAttribute('aria-label', `Role of ${member.user.username}`);
  for (const value of ROLES) {
    const option = make('option', '', value);
    option.value = value;
    option.selected = value === member.chat_role;
    role.append(option);
  }
  role.addEventListener('change', () => onChange('PATCH', member, { chat_role: role.value }));
  const remove = make('button', 'link-button', member.user.id === me.id ? 'Leave' : 'Remove');
  remove.type = 'button';
  remove.addEventListener('click', () => onChange('DELETE', member));
  item.append(role, remove);
  return item;
}

/**
 * Fill the panel and wire its add form; returns `load`, which fetches the members
 * again (after any change, and whenever the chat socket says they changed).
 * `onRoles(canManage)` is told whether this user manages the group, after each load.
 */
export function membersPanel(base, me, presence, onRoles) {
  const error = $('#member-error');
  const load = async () => {
    const members = await api('GET', `${base}/members/`);
    const mine = members.find((member) => member.user.id === me.id);
    const canManage = ['owner', 'admin'].includes(mine?.chat_role);
    const change = async (method, member, body) => {
      clearError(error);
      try {
        await api(method, `${base}/members/${member.id}/`, body);
        if (method === 'DELETE' && member.user.id === me.id) {
          location.assign('/groups/');
          return;
        }
      } catch (failure) {
        showError(error, failure);
      }
      await load().catch((failure) => showError(error, failure));
    };
    $('#member-list').replaceChildren(...members.map((member) => memberItem(member, me, canManage, change)));
    presence.showOnline();
    show($('#add-member-form'), canManage);
    onRoles(canManage);
  };
  const addForm = $('#add-member-form');
  onSubmit(addForm, async () => {
    clearError(error);
    try {
      await api('POST', `${base}/members/`, Object.fromEntries(new FormData(addForm)));
      addForm.reset();
      await load();
    } catch (failure) {
      showError(error, failure);
    }
  });
  return load;
}
