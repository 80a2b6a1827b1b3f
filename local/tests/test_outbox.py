"""The launcher's SES route: the emails sent to one address, oldest first, whatever else
was sent, including what was sent after an earlier look."""
import json
import urllib.parse
import urllib.request


def sent_to(emulator, address):
    query = urllib.parse.urlencode({"to": address})
    with urllib.request.urlopen(f"{emulator.url}/_capsule/ses/messages?{query}") as answer:
        return [m["raw_data"] for m in json.load(answer)["messages"]]


def send(ses, to, subject):
    raw = f"From: shop@capsule.test\r\nTo: {to}\r\nSubject: {subject}\r\n\r\nHello\r\n"
    ses.send_email(
        FromEmailAddress="shop@capsule.test",
        Destination={"ToAddresses": [to]},
        Content={"Raw": {"Data": raw.encode()}},
    )


def test_emails_are_found_by_recipient_as_they_arrive(patched):
    ses = patched.client("sesv2")
    ses.create_email_identity(EmailIdentity="shop@capsule.test")
    send(ses, "ada@example.com", "first")
    send(ses, "bob@example.com", "other")
    assert [("Subject: first" in m) for m in sent_to(patched, "ada@example.com")] == [True]

    send(ses, "Ada@Example.com", "second")
    send(ses, "carol@example.com", "other")
    found = sent_to(patched, "ada@example.com")
    assert len(found) == 2
    assert "Subject: first" in found[0] and "Subject: second" in found[1]
    assert sent_to(patched, "nobody@example.com") == []
