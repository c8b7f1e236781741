/**
 * The chat's browser side, for every page (<body data-page="login|groups|group|...">).
 * A dependency-free ES module: one module per concern under app/, imported here; the
 * production static files storage (config/storage.py) points them at the hashed files.
 *
 * User content reaches the page through textContent only, never innerHTML.
 */

import { accountPage, loginPage, signupPage } from './app/account.js';
import { groupPage } from './app/group.js';
import { groupsPage } from './app/groups.js';
import { invitePage } from './app/invite.js';

const PAGES = {
  login: loginPage,
  signup: signupPage,
  account: accountPage,
  groups: groupsPage,
  group: groupPage,
  invite: invitePage,
};
PAGES[document.body.dataset.page]?.();
