/**
 * The members panel's invite links (#members-tools), for owners and admins: the links
 * not revoked, each to copy or revoke, with how often it was used, and a form to make
 * one (how long it works, at most how many people may join through it).
 */

import { api, clearError, showError } from './api.js';
import { button, make, onSubmit, show } from './dom.js';

const LIFETIMES = [
  ['1 hour', 1],
  ['1 day', 24],
  ['7 days', 168],
  ['30 days', 720],
];
const STATES = { expired: 'expired', used_up: 'used up' };

function labelled(text, control) {
  const label = make('label', 'invite-field', text);
  label.append(control);
  return label;
}

function createForm() {
  const form = make('form', 'stack invite-form');
  const lifetime = make('select');
  lifetime.name = 'expires_in_hours';
  for (const [text, hours] of LIFETIMES) {
    const option = make('option', '', text);
    option.value = hours;
    option.selected = hours === 168;
    lifetime.append(option);
  }
  const uses = make('input');
  Object.assign(uses, { type: 'number', name: 'max_uses', min: 1, max: 10000, placeholder: 'any number' });
  const submit = make('button', '', 'Create link');
  Object.assign(submit, { type: 'submit', disabled: true });
  form.append(labelled('Expires after ', lifetime), labelled('At most ', uses), submit);
  return form;
}

function linkItem(link, revoke) {
  const item = make('li', 'invite-link');
  item.dataset.id = link.id;
  const address = make('input', 'invite-url');
  Object.assign(address, { value: link.url, readOnly: true });
  address.setAttribute('aria-label', 'Invite link');
  address.addEventListener('focus', () => address.select());
  const copy = button('Copy', () => navigator.clipboard?.writeText(link.url));
  const limit = link.max_uses === null ? '' : ` of ${link.max_uses}`;
  const state = STATES[link.state] ? ` · ${STATES[link.state]}` : '';
  const expires = new Date(link.expires_at).toLocaleString();
  const usage = make('span', 'meta', `used ${link.uses}${limit} · until ${expires}${state}`);
  const revokeButton = button('Revoke', () => revoke(link));
  revokeButton.classList.add('danger');
  item.append(address, copy, usage, revokeButton);
  return item;
}

/** The invite links' part of the panel in `tools`, for the chat at `base`; returns
 * { setRole(role) }: shown, and fetched again, while the user is an owner or admin. */
export function inviteLinks(tools, base) {
  const section = make('section', 'invite-links');
  section.hidden = true;
  const list = make('ul', 'invite-list');
  list.setAttribute('aria-label', 'Invite links');
  const form = createForm();
  const error = make('p', 'notice error');
  error.setAttribute('role', 'alert');
  error.hidden = true;
  section.append(make('h3', '', 'Invite links'), list, form, error);
  tools.append(section);

  const load = async () => {
    const links = await api('GET', `${base}/invites/`);
    list.replaceChildren(...links.map((link) => linkItem(link, revoke)));
  };
  const act = async (method, url, body) => {
    clearError(error);
    try {
      await api(method, url, body);
      await load();
    } catch (failure) {
      showError(error, failure);
    }
  };
  const revoke = (link) => act('DELETE', `${base}/invites/${link.id}/`);
  onSubmit(form, () => {
    const data = new FormData(form);
    const maxUses = data.get('max_uses');
    act('POST', `${base}/invites/`, {
      expires_in_hours: Number(data.get('expires_in_hours')),
      max_uses: maxUses ? Number(maxUses) : null,
    });
  });
  return {
    setRole(role) {
      const manages = ['owner', 'admin'].includes(role);
      show(section, manages);
      if (manages) load().catch((failure) => showError(error, failure));
    },
  };
}
