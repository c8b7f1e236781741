/**
 * The members panel of a group page: who is in the group, with their roles; owners
 * and admins change roles, remove members and add new ones (by username).
 */

import { api, clearError, showError } from './api.js';
import { $, button, make, onSubmit, show } from './dom.js';
import { clearFormErrors, showFormErrors } from './form-errors.js';

const ROLES = ['member', 'admin', 'owner'];

/**
 * What `myRole` may do to `member`, as the server decides it: owners change anyone's
 * role and remove anyone; admins remove plain members only; anyone may leave.
 */
function allowed(member, me, myRole) {
  const mine = member.user.id === me.id;
  const owner = myRole === 'owner';
  return {
    changeRole: owner,
    remove: !mine && (owner || (myRole === 'admin' && member.chat_role === 'member')),
  };
}

function memberItem(member, me, myRole, onChange) {
  const item = make('li', 'member');
  item.dataset.username = member.user.username;
  item.dataset.userId = member.user.id;
  const dot = make('span', 'presence-dot');
  dot.title = 'offline';
  const name = make('span', 'member-name', member.user.username);
  name.dir = 'auto';
  if (member.user.id === me.id) name.append(make('span', 'badge', 'you'));
  item.append(dot, name);
  const mine = member.user.id === me.id;
  const may = allowed(member, me, myRole);
  if (may.changeRole) item.append(roleSelect(member, onChange));
  else item.append(make('span', 'badge', member.chat_role));
  if (mine) item.append(button('Leave', () => onChange('DELETE', member)));
  if (may.remove) item.append(button('Remove', () => onChange('DELETE', member)));
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
 * `on.roleIs(role)` is told this user's role after each load, `on.loaded(members)` the
 * members as listed (with their read positions); `on.left()` once the user has left
 * the group.
 */
export function membersPanel(base, me, presence, on) {
  const error = $('#member-error');
  const list = $('#member-list');
  const addForm = $('#add-member-form');
  const roleChoice = $('#member-role');
  const load = async () => {
    const members = await api('GET', `${base}/members/`);
    const myRole = members.find((member) => member.user.id === me.id)?.chat_role;
    const canManage = ['owner', 'admin'].includes(myRole);
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
    list.replaceChildren(...members.map((member) => memberItem(member, me, myRole, change)));
    presence.showOnline();
    // Admins add plain members; only owners give another role.
    show(addForm, canManage);
    show(roleChoice, myRole === 'owner');
    if (myRole !== 'owner') roleChoice.value = 'member';
    on.roleIs(myRole);
    on.loaded(members);
  };
  onSubmit(addForm, async () => {
    clearFormErrors(addForm, error);
    try {
      await api('POST', `${base}/members/`, Object.fromEntries(new FormData(addForm)));
      addForm.reset();
      await load();
    } catch (failure) {
      showFormErrors(addForm, error, failure);
    }
  });
  return load;
}
