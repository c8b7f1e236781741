/**
 * The chat's browser side, for every page (<body data-page="login|signup|account|chats|invite">).
 * A dependency-free ES module: one module per concern under app/, imported here; the
 * production static files storage (config/storage.py) points them at the hashed files.
 *
 * User content reaches the page through textContent only, never innerHTML.
 */

import { accountPage, loginPage, signupPage } from './app/account.js';
import { chatsPage } from './app/chats.js';
import { invitePage } from './app/invite.js';

const PAGES = {
  login: loginPage,
  signup: signupPage,
  account: accountPage,
  chats: chatsPage,
  invite: invitePage,
};
PAGES[document.body.dataset.page]?.();
