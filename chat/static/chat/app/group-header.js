import { api, clearError, showError } from './api.js';
import { $, onSubmit, show } from './dom.js';

/**
 * The group's header: its name, renaming it (owners and admins) and deleting it
 * (owners, after a confirmation). The server has the last word: its refusal is shown.
 * `onDelete(deleting)` is told when a deletion starts and when it fails.
 */
export function groupHeader(group, url, onDelete) {
  const title = $('#group-title');
  const error = $('#group-error');
  const actions = $('#group-actions');
  const form = $('#rename-form');
  const confirmation = $('#delete-confirm');
  const named = (name) => {
    title.textContent = name;
    document.title = `${name} · Channels chat`;
  };
  // One of the name, the rename form or the confirmation at a time.
  const showOnly = (shown) => {
    show(actions, shown === actions);
    show(form, shown === form);
    show(confirmation, shown === confirmation);
  };
  named(group.name);
  show($('#rename-button'), ['owner', 'admin'].includes(group.my_role));
  show($('#delete-button'), group.my_role === 'owner');

  $('#rename-button').addEventListener('click', () => {
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

  $('#delete-button').addEventListener('click', () => {
    clearError(error);
    showOnly(confirmation);
  });
  $('#delete-confirm-button').addEventListener('click', async () => {
    clearError(error);
    onDelete(true);
    try {
      await api('DELETE', url);
      location.assign('/groups/');
    } catch (failure) {
      onDelete(false);
      showError(error, failure);
    }
  });
  for (const cancel of [$('#rename-cancel'), $('#delete-cancel')]) {
    cancel.addEventListener('click', () => {
      clearError(error);
      showOnly(actions);
    });
  }
}
