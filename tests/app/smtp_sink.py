#!/usr/bin/env python3
"""A real SMTP server for the tests (aiosmtpd, Debian's python3-aiosmtpd).

    smtp_sink.py PORT DIR

Each message received is written to DIR/<random>.json (atomically) with its
Message-ID, envelope recipients, header names, decoded subject and the plain-text
and HTML parts. Recipients starting with "reject" are refused with 550 (no such
mailbox), those starting with "relay" with 554 5.7.1 (relaying denied: the
server's set-up, not the mailbox); a sender starting with "refused" is refused
with 550 5.7.1, one starting with "unknown" with 553 5.1.8; recipients starting with "slow" are answered after 0.7 s (a slow
relay).
"""
import asyncio
import email
import json
import os
import sys
import threading
import uuid
from email import policy

from aiosmtpd.controller import Controller


class Handler:
    def __init__(self, directory):
        self.directory = directory

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if address.lower().startswith("refused"):
            return "550 5.7.1 sender not allowed"
        if address.lower().startswith("unknown"):
            return "553 5.1.8 sender domain not found"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower().startswith("reject"):
            return "550 5.1.1 mailbox unavailable"
        if address.lower().startswith("relay"):
            return "554 5.7.1 relay access denied"
        if address.lower().startswith("slow"):
            await asyncio.sleep(0.7)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=policy.default)
        text = msg.get_body(preferencelist=("plain",))
        html = msg.get_body(preferencelist=("html",))
        record = {
            "message_id": str(msg.get("Message-ID", "")),
            "rcpt_tos": list(envelope.rcpt_tos),
            "to": str(msg.get("To", "")),
            "from": str(msg.get("From", "")),
            "headers": [k for k in msg.keys()],
            "subject": str(msg.get("Subject", "")),
            "text": text.get_content() if text is not None else "",
            "html": html.get_content() if html is not None else "",
        }
        name = uuid.uuid4().hex
        tmp = os.path.join(self.directory, "." + name)
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False)
        os.rename(tmp, os.path.join(self.directory, name + ".json"))
        return "250 Message accepted"


def main():
    port = int(sys.argv[1])
    directory = sys.argv[2]
    os.makedirs(directory, exist_ok=True)
    controller = Controller(Handler(directory), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
