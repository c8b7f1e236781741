"""Files in a conversation, in the browser, between two members: attached with the
button, dropped on the conversation or pasted into the box, each reaches the other
member's page live, images as thumbnails and other files as download links."""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import (
    OpenPage,
    Server,
    create_group,
    open_group,
    open_group_as,
    save_screenshot,
    say,
    two_members_open,
)
from tests.support.files import HTML_WITH_SCRIPT, png_bytes

pytestmark = pytest.mark.e2e

NOTES = b"Agenda: the release date, then the demo.\n"

# A file put in a DataTransfer, as dragging it from the desktop or copying it makes one.
WITH_FILE = """([name, type, text]) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([text], name, { type }));
    return transfer;
}"""


def drop_file(page: Page, name: str, text: str) -> None:
    transfer = page.evaluate_handle(WITH_FILE, [name, "text/plain", text])
    page.dispatch_event(".conversation", "drop", {"dataTransfer": transfer})


def paste_file(page: Page, name: str, text: str) -> None:
    page.locator("#message-input").evaluate(
        f"""(input, file) => {{
            const transfer = ({WITH_FILE})(file);
            const paste = new ClipboardEvent('paste', {{ clipboardData: transfer, bubbles: true }});
            input.dispatchEvent(paste);
        }}""",
        [name, "text/plain", text],
    )


def ready_chips(page: Page, count: int) -> None:
    """The files above the box, uploaded."""
    expect(page.locator(".pending-attachment[data-state=ready]")).to_have_count(count)


def test_files_attached_three_ways_reach_the_other_member(
    server: Server, new_page: OpenPage
) -> None:
    group_id, (alice, _bob), (alice_page, bob_page) = two_members_open(server, new_page)

    # The button: a picture, sent with a line of text.
    alice_page.set_input_files(
        "#attach-input", {"name": "whiteboard.png", "mimeType": "image/png", "buffer": png_bytes()}
    )
    ready_chips(alice_page, 1)
    say(alice_page, "The plan, as drawn")
    message = bob_page.locator(".message", has_text="The plan, as drawn")
    thumbnail = message.locator("img.attachment-thumbnail")
    expect(thumbnail).to_have_attribute("alt", "whiteboard.png")
    # Loaded: the server let Bob, a member, have it.
    bob_page.wait_for_function(
        "image => image.complete && image.naturalWidth > 0", arg=thumbnail.element_handle()
    )
    expect(alice_page.locator(".pending-attachment")).to_have_count(0)

    # Dropped on the conversation, then pasted into the box: sent without text.
    drop_file(alice_page, "agenda.txt", NOTES.decode())
    paste_file(alice_page, "minutes.txt", "Decided: ship on Friday.\n")
    ready_chips(alice_page, 2)
    alice_page.get_by_label("Message", exact=True).press("Enter")
    links = bob_page.locator(".message a.attachment")
    expect(links.filter(has_text="agenda.txt")).to_have_attribute("download", "agenda.txt")
    expect(links.filter(has_text="minutes.txt")).to_contain_text("(25 bytes)")
    # The list says what the latest message was, though it has no text.
    expect(bob_page.locator(".group-item .preview")).to_have_text(f"{alice}: sent files.")

    href = links.filter(has_text="agenda.txt").get_attribute("href")
    assert href is not None
    download = bob_page.request.get(server.url + href)
    assert download.status == 200
    assert download.body() == NOTES
    assert download.headers["content-disposition"] == 'attachment; filename="agenda.txt"'
    save_screenshot(bob_page, "attachments.png")

    # The history shows the same after a reload.
    open_group(bob_page, server, group_id)
    expect(bob_page.locator(".message img.attachment-thumbnail")).to_have_count(1)
    expect(bob_page.locator(".message a.attachment")).to_have_count(3)


def test_markup_named_as_a_picture_is_refused_on_the_page(
    server: Server, new_page: OpenPage
) -> None:
    group_id, (alice, _) = create_group(server, "alice", ["bob"])
    page = open_group_as(new_page(), server, alice, group_id)

    page.set_input_files(
        "#attach-input", {"name": "cat.png", "mimeType": "image/png", "buffer": HTML_WITH_SCRIPT}
    )

    expect(page.locator("#chat-error")).to_contain_text(
        "cat.png: HTML, SVG and XML files cannot be attached"
    )
    expect(page.locator(".pending-attachment")).to_have_count(0)
