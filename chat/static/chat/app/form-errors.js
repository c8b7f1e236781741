/**
 * A refused form's problems where the user looks for them: each field's as one sentence
 * right under the field (tied to it with aria-describedby and aria-invalid), and what
 * concerns no one field in the form's own error line.
 */

import { ApiError, showError } from './api.js';
import { make } from './dom.js';

export function clearFormErrors(form, general) {
  for (const note of form.querySelectorAll('.field-error')) note.remove();
  for (const field of form.querySelectorAll('[aria-invalid]')) {
    field.removeAttribute('aria-invalid');
    field.setAttribute('aria-describedby', field.dataset.describedBy ?? '');
  }
  showError(general, '');
}

/** `failure`: an ApiError (or anything showError shows); `general`: the form's error line. */
export function showFormErrors(form, general, failure) {
  clearFormErrors(form, general);
  if (!(failure instanceof ApiError)) {
    showError(general, failure);
    return;
  }
  const elsewhere = [failure.general];
  for (const [name, text] of Object.entries(failure.fields)) {
    const field = form.elements[name];
    if (!field?.id) {
      elsewhere.push(text);
      continue;
    }
    const note = make('p', 'field-error', text);
    note.id = `${field.id}-problem`;
    field.after(note);
    field.dataset.describedBy = field.getAttribute('aria-describedby') ?? '';
    field.setAttribute('aria-describedby', `${field.dataset.describedBy} ${note.id}`.trim());
    field.setAttribute('aria-invalid', 'true');
  }
  // Shown as text: a 401 here (wrong credentials) is the answer, not an expired session.
  showError(general, elsewhere.filter(Boolean).join(' '));
}
