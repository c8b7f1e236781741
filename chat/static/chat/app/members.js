/**
 * The members panel of a group page: who is in the group, with their roles; owners
 * and admins change roles, remove members and add new ones (by username).
 */

import { api, clearError, showError } from './api.js';
import { $, button, make, onSubmit, show } from './dom.js';

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
  const mine = member.user.id === me.id;
  if (canManage) item.append(roleSelect(member, onChange));
  else item.append(make('span', 'badge', member.chat_role));
  // Anyone may leave; owners and admins may remove the others.
  if (mine || canManage) {
    item.append(button(mine ? 'Leave' : 'Remove', () => onChange('DELETE', member)));
  }
  // Added by someone else, without being asked: leave, and never be added by them again.
  const adder = member.added_by;
  if (mine && adder && adder.id !== me.id) {
    const block = button(`Leave and block ${adder.username}`, () =>
      onChange('DELETE', member, undefined, '?block_adder=true'),
    );
    block.classList.add('danger');
    item.append(block);
  }
  return item;
}

function roleSelect(member, onChange) {
  const role = make('select', 'member-role');
  role.setAttribute('aria-label', `Role of ${member.user.username}`);
  for (const value of ROLES) {
    const option = make('option', '', value);
    option.value = value;
    option.selected = value === member.chat_role;
    role.append(option);
  }
  role.addEventListener('change', () => onChange('PATCH', member, { chat_role: role.value }));
  return role;
}

/**
 * Fill the panel and wire its add form; returns `load`, which fetches the members
 * again (after any change, and whenever the chat socket says they changed).
 * `on.roleIs(role)` is told this user's role after each load; `on.left()` once the
 * user has left the group.
 */
export function membersPanel(base, me, presence, on) {
  const error = $('#member-error');
  const list = $('#member-list');
  const addForm = $('#add-member-form');
  const load = async () => {
    const members = await api('GET', `${base}/members/`);
    const mine = members.find((member) => member.user.id === me.id);
    const canManage = ['owner', 'admin'].includes(mine?.chat_role);
    const change = async (method, member, body, query = '') => {
      clearError(error);
      try {
        await api(method, `${base}/members/${member.id}/${query}`, body);
        if (method === 'DELETE' && member.user.id === me.id) {
          on.left();
          return;
        }
      } catch (failure) {
        showError(error, failure);
      }
      await load().catch((failure) => showError(error, failure));
    };
    list.replaceChildren(...members.map((member) => memberItem(member, me, canManage, change)));
    presence.showOnline();
    show(addForm, canManage);
    on.roleIs(mine?.chat_role);
  };
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
