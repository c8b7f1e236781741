/**
 * "Seen by" under this user's own messages: the other members whose read position has
 * reached the message (from GET …/members/ at load, then each `members_read`), a few
 * by name and the rest counted ("Seen by Ann, Bob and 5 others"; all of them on hover).
 */

// The names written out before the rest are counted.
const NAMES_SHOWN = 2;

/** "Seen by …" for these names (sorted), or '' for nobody. */
export function seenByText(names) {
  if (!names.length) return '';
  if (names.length <= NAMES_SHOWN + 1) {
    const last = names.at(-1);
    return `Seen by ${names.length === 1 ? last : `${names.slice(0, -1).join(', ')} and ${last}`}`;
  }
  const others = names.length - NAMES_SHOWN;
  return `Seen by ${names.slice(0, NAMES_SHOWN).join(', ')} and ${others} others`;
}

export class SeenBy {
  constructor(messages, me) {
    this.messages = messages;
    this.me = me;
    this.positions = new Map(); // user id -> the seq of the last message they have read
    this.names = new Map(); // user id -> username
    messages.addPart((item, message) => this.draw(item, message));
  }

  /** The chat's members, with their read positions (GET …/members/). */
  setMembers(members) {
    this.names = new Map(members.map((member) => [member.user.id, member.user.username]));
    this.positions = new Map(
      members.map((member) => [member.user.id, Math.max(member.last_read_seq, this.positions.get(member.user.id) ?? 0)]),
    );
    this.redraw();
  }

  /** Members read further (`members_read`): of the messages shown, only this user's
   * own in the range newly read change. */
  read(reads) {
    let from = Infinity;
    let to = -Infinity;
    for (const read of reads) {
      const was = this.positions.get(read.user_id) ?? 0;
      if (!this.names.has(read.user_id) || read.last_read_seq <= was) continue;
      this.positions.set(read.user_id, read.last_read_seq);
      from = Math.min(from, was + 1);
      to = Math.max(to, read.last_read_seq);
    }
    this.redraw((message) => message.sender?.id === this.me.id && message.seq >= from && message.seq <= to);
  }

  /** Draw again the messages shown that `which(message)` picks (every one by default). */
  redraw(which = () => true) {
    for (const [id, message] of this.messages.state) {
      const item = this.messages.byId.get(id);
      if (item && which(message)) this.draw(item, message);
    }
  }

  draw(item, message) {
    const place = item.querySelector('.message-seen');
    const readers =
      message.sender?.id !== this.me.id || message.deleted
        ? []
        : [...this.positions]
            .filter(([user, seq]) => user !== this.me.id && seq >= message.seq)
            .map(([user]) => this.names.get(user))
            .sort((a, b) => a.localeCompare(b));
    place.textContent = seenByText(readers);
    place.title = readers.join(', ');
  }
}
