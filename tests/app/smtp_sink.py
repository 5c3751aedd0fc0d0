#!/usr/bin/env python3
"""A real SMTP server for the tests (aiosmtpd, Debian's python3-aiosmtpd).

    smtp_sink.py PORT DIR [--tls|--tls-wrap CERT KEY] [--auth USER PASSWORD]

Each message received is written to DIR/<random>.json (atomically) with its
Message-ID, envelope recipients, header names, decoded subject and the plain-text
and HTML parts. Recipients starting with "reject" are refused with 550 (no such
mailbox), those starting with "relay" with 554 5.7.1 (relaying denied: the
server's set-up, not the mailbox); a sender starting with "refused" is refused
with 550 5.7.1, one starting with "unknown" with 553 5.1.8; recipients starting with "slow" are answered after 0.7 s (a slow
relay).

With --tls the server offers STARTTLS and takes no mail before it; with
--tls-wrap it speaks TLS from the first byte (smtps); with --auth it takes
mail only from USER signed in with PASSWORD, and only over TLS. Each record says whether its mail came over TLS and
under which user.
"""
import asyncio
import email
import json
import logging
import os
import ssl
import sys
import threading
import uuid
from email import policy

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword, TLSSetupException


def expected(record):
    """Drops what aiosmtpd logs of what the tests do on purpose: a client
    refusing the certificate, sign-in over smtps (which aiosmtpd's check for
    TLS does not know), and a notice about its own deprecated field."""
    if record.exc_info and isinstance(record.exc_info[1], TLSSetupException):
        return False
    message = record.getMessage()
    return not ("login_data is deprecated" in message or "auth_require_tls" in message)


logging.getLogger("mail.log").addFilter(expected)


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
            "tls": server.transport.get_extra_info("ssl_object") is not None,
            "user": session.auth_data.login.decode()
            if isinstance(session.auth_data, LoginPassword)
            else None,
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
    options = {}
    args = sys.argv[3:]
    while args:
        if args[0] in ("--tls", "--tls-wrap"):
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(args[1], args[2])
            if args[0] == "--tls":
                options.update(tls_context=context, require_starttls=True)
            else:
                # aiosmtpd's own check for TLS before AUTH knows only STARTTLS.
                options.update(ssl_context=context, auth_require_tls=False)
            args = args[3:]
        elif args[0] == "--auth":
            user, password = args[1].encode(), args[2].encode()

            def authenticator(server, session, envelope, mechanism, auth_data):
                ok = (
                    isinstance(auth_data, LoginPassword)
                    and auth_data.login == user
                    and auth_data.password == password
                )
                return AuthResult(success=ok, handled=False, auth_data=auth_data)

            options.update(authenticator=authenticator, auth_required=True)
            args = args[3:]
        else:
            sys.exit(f"unknown option {args[0]}")
    controller = Controller(
        Handler(directory), hostname="127.0.0.1", port=port, **options
    )
    controller.start()
    print("ready", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
