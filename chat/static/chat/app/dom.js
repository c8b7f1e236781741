/** Small helpers every page uses to find, build, show and wire elements. */

export const $ = (selector) => document.querySelector(selector);

/** A count as the page writes it: 4,000. */
export const number = (count) => count.toLocaleString('en-US');

export function show(element, visible = true) {
  element.hidden = !visible;
}

export function make(tag, className, text) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined) element.textContent = text;
  return element;
}

/**
 * Text laid out in its own direction (dir="auto": right to left for Arabic or Hebrew),
 * set again with each new text: Chromium does not work the direction out again when
 * only the text of such an element changes.
 */
export function setAutoText(element, text) {
  element.removeAttribute('dir');
  element.textContent = text;
  element.dir = 'auto';
}

/** A button that looks like a link and runs `onClick`. */
export function button(text, onClick) {
  const element = make('button', 'link-button', text);
  element.type = 'button';
  element.addEventListener('click', onClick);
  return element;
}

/**
 * Handle a form's submit here; its submit button, disabled in the page so
 * that nothing posts before this script runs, is enabled now.
 */
export function onSubmit(form, handler) {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    handler(event);
  });
  form.querySelector('button[type="submit"]').disabled = false;
}

/** The #connection line of a page with a socket: its state (for the styles and tests) and text. */
export function showConnection(state, text) {
  const connection = $('#connection');
  connection.dataset.state = state;
  connection.textContent = text;
}
