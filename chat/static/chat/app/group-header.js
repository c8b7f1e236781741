import { api, clearError, showError } from './api.js';
import { $, onSubmit, setAutoText, show } from './dom.js';

/**
 * The group's header: its name, renaming it (owners and admins) and deleting it
 * (owners, after a confirmation). The server has the last word: its refusal is shown.
 * `on.deleting(pending)` is told when a deletion starts and when it fails,
 * `on.deleted()` once it is done. Returns { named(name), setRole(role) }: the name
 * and the user's role as they change while the chat is open.
 */
export function groupHeader(group, url, on) {
  const title = $('#group-title');
  const error = $('#group-error');
  const actions = $('#group-actions');
  const form = $('#rename-form');
  const confirmation = $('#delete-confirm');
  // This conversation's own, found now: a late answer for a chat switched away from
  // never reaches the next one's.
  const renameButton = $('#rename-button');
  const deleteButton = $('#delete-button');
  const named = (name) => {
    setAutoText(title, name);
    document.title = `${name} · Channels chat`;
  };
  // One of the name, the rename form or the confirmation at a time.
  const showOnly = (shown) => {
    show(actions, shown === actions);
    show(form, shown === form);
    show(confirmation, shown === confirmation);
  };
  const setRole = (role) => {
    show(renameButton, ['owner', 'admin'].includes(role));
    show(deleteButton, role === 'owner');
  };
  named(group.name);
  setRole(group.my_role);

  renameButton.addEventListener('click', () => {
    clearError(error);
    form.elements.name.value = title.textContent;
    showOnly(form);
    form.elements.name.select();
  });
  onSubmit(form, async () => {
    clearError(error);
    try {
      const renamed = await api('PATCH', url, { name: form.elements.name.value.trim() });
      named(renamed.name);
      showOnly(actions);
    } catch (failure) {
      showError(error, failure);
    }
  });

  deleteButton.addEventListener('click', () => {
    clearError(error);
    showOnly(confirmation);
  });
  $('#delete-confirm-button').addEventListener('click', async () => {
    clearError(error);
    on.deleting(true);
    try {
      await api('DELETE', url);
      on.deleted();
    } catch (failure) {
      on.deleting(false);
      showError(error, failure);
    }
  });
  for (const cancel of [$('#rename-cancel'), $('#delete-cancel')]) {
    cancel.addEventListener('click', () => {
      clearError(error);
      showOnly(actions);
    });
  }
  return { named, setRole };
}
