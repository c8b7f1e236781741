/**
 * Who is online (a dot in the members panel) and who is typing (a line under the
 * conversation), as the chat socket tells them; nothing is stored. Each answer to
 * `here` replaces the online list, and a typist is shown for the seconds the server
 * says: someone whose server died drops out by themselves.
 */
export class Presence {
  constructor(memberList, typingLine) {
    this.memberList = memberList;
    this.typingLine = typingLine;
    this.online = new Set(); // user ids
    this.typists = new Map(); // user id -> {username, until (ms)}
    this.typingTimer = null;
  }

  setOnline(users) {
    this.online = new Set(users.map((user) => user.id));
    this.showOnline();
  }

  changed(user, online) {
    if (online) this.online.add(user.id);
    else {
      this.online.delete(user.id);
      this.spoke(user);
    }
    this.showOnline();
  }

  /** The members panel's dots (again after the panel is rebuilt). */
  showOnline() {
    for (const item of this.memberList.querySelectorAll('.member')) {
      const online = this.online.has(Number(item.dataset.userId));
      item.classList.toggle('online', online);
      item.querySelector('.presence-dot').title = online ? 'online' : 'offline';
    }
  }

  typing(user, seconds) {
    this.typists.set(user.id, { username: user.username, until: Date.now() + seconds * 1000 });
    this.showTyping();
  }

  /** A typist who sent their message, or left, is no longer typing. */
  spoke(user) {
    if (user && this.typists.delete(user.id)) this.showTyping();
  }

  showTyping() {
    clearTimeout(this.typingTimer);
    const now = Date.now();
    for (const [id, typist] of this.typists) if (typist.until <= now) this.typists.delete(id);
    const typists = [...this.typists.values()];
    const names = typists.map((typist) => typist.username).join(', ');
    this.typingLine.textContent = typists.length ? `${names} ${typists.length === 1 ? 'is' : 'are'} typing…` : '';
    if (typists.length) {
      const next = Math.min(...typists.map((typist) => typist.until));
      this.typingTimer = setTimeout(() => this.showTyping(), next - now);
    }
  }
}
