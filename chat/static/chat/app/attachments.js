/**
 * Files in a conversation. The member picks files with the "Attach" button, drops them
 * on the conversation or pastes them into the message box; each is uploaded at once
 * over HTTP (POST /api/groups/<id>/attachments/) and waits above the box, and the next
 * message sends their ids (`attachment_ids`: never the bytes) with or without text.
 * A message's files show under its text: images as their thumbnail (a link to the
 * picture), other files as a download link with their size.
 */

import { api } from './api.js';
import { button, make } from './dom.js';

/** 1234567 -> "1.2 MB". */
export function sizeText(bytes) {
  const units = ['bytes', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return unit === 0 ? `${value} ${units[0]}` : `${value.toFixed(1)} ${units[unit]}`;
}

/** POST one file as the form a browser sends; the attachment the server made of it. */
function uploadFile(url, file) {
  const form = new FormData();
  form.append('file', file, file.name || 'pasted');
  return api('POST', url, form);
}

// The largest side an inline thumbnail takes on the page, in CSS pixels.
const SHOWN_SIDE = 240;

/** One attachment of a message, as the page shows it. */
function attachmentView(attachment) {
  const link = make('a', 'attachment');
  link.href = attachment.url;
  link.target = '_blank';
  link.rel = 'noopener';
  if (attachment.thumbnail_url) {
    const image = make('img', 'attachment-thumbnail');
    image.src = attachment.thumbnail_url;
    image.alt = attachment.name;
    // Its place is kept while it loads: the list does not jump.
    const scale = Math.min(1, SHOWN_SIDE / Math.max(attachment.width, attachment.height));
    image.width = Math.round(attachment.width * scale);
    image.height = Math.round(attachment.height * scale);
    link.append(image);
  } else {
    link.download = attachment.name;
    link.append(make('span', 'attachment-name', attachment.name), make('span', 'muted', ` (${sizeText(attachment.size)})`));
  }
  return link;
}

/** Draws a message's files into its .message-attachments (MessageList.addPart). */
export function drawAttachments(item, message) {
  const place = item.querySelector('.message-attachments');
  place.replaceChildren(...(message.attachments ?? []).map(attachmentView));
}

/**
 * Wire the conversation's files: the message list draws them, and the composer gets
 * an "Attach" button, the uploads waiting to go, drag and drop and paste.
 * `dropZone` is the conversation's element files may be dropped on.
 */
export function attachFiles({ base, messages, composer, dropZone, tools, showError }) {
  messages.addPart(drawAttachments);
  const url = `${base}/attachments/`;
  const pending = []; // { file, chip, attachment (once uploaded), failed }
  const list = make('ul', 'pending-attachments');
  list.setAttribute('aria-label', 'Files to send');
  const picker = make('input');
  picker.type = 'file';
  picker.multiple = true;
  picker.hidden = true;
  picker.id = 'attach-input';
  const attachButton = button('Attach files', () => picker.click());
  attachButton.id = 'attach-button';
  tools.append(picker, attachButton, list);

  const forget = (entry) => {
    pending.splice(pending.indexOf(entry), 1);
    entry.chip.remove();
  };
  const add = async (file) => {
    const chip = make('li', 'pending-attachment');
    const state = make('span', 'muted', ' uploading…');
    const entry = { file, chip, attachment: null };
    chip.append(make('span', 'attachment-name', file.name || 'pasted file'), state);
    chip.append(button('Remove', () => forget(entry)));
    list.append(chip);
    pending.push(entry);
    try {
      entry.attachment = await uploadFile(url, file);
      chip.dataset.state = 'ready';
      state.textContent = ` (${sizeText(entry.attachment.size)})`;
    } catch (failure) {
      forget(entry);
      showError(`${file.name}: ${failure.message}`);
    }
  };
  const addAll = (files) => {
    for (const file of files) add(file);
  };

  picker.addEventListener('change', () => {
    addAll(picker.files);
    picker.value = '';
  });
  dropZone.addEventListener('dragover', (event) => {
    if (!event.dataTransfer?.types.includes('Files')) return;
    event.preventDefault();
    dropZone.classList.add('dropping');
  });
  dropZone.addEventListener('dragleave', () => dropZone.classList.remove('dropping'));
  dropZone.addEventListener('drop', (event) => {
    dropZone.classList.remove('dropping');
    if (!event.dataTransfer?.files.length) return;
    event.preventDefault();
    addAll(event.dataTransfer.files);
  });
  composer.input.addEventListener('paste', (event) => {
    const files = event.clipboardData?.files;
    if (!files?.length) return; // text is pasted as text
    event.preventDefault();
    addAll(files);
  });

  composer.addSource({
    hasContent: () => pending.length > 0,
    waitReason: () => (pending.some((entry) => !entry.attachment) ? 'Wait for the files to finish uploading.' : ''),
  });
  composer.addToMessage(() => (pending.length ? { attachment_ids: pending.map((entry) => entry.attachment.id) } : {}));
  composer.onSent(() => {
    for (const entry of [...pending]) forget(entry);
  });
}
