"""Emails about membership and proposals, sent after the transaction commits (never for a rolled-back one)."""

import logging

from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string

from khub_plugin.common import names

logger = logging.getLogger(__name__)


def email_user(user, template, context):
    """Email ``user`` the message in ``khub_plugin/communities/email/<template>.txt`` once the change commits.

    The template's first line is the subject. A failing mail server is logged, not shown to the person
    who clicked: their change has already been saved.
    """
    address = names.email(user)
    if not address:
        return
    context = {**context, "recipient": user}

    def send():
        from khub_plugin.common.links import email_links  # the site's address, asked at send time

        context.update(email_links(context))
        text = render_to_string(f"khub_plugin/communities/email/{template}.txt", context).strip()
        subject, _, body = text.partition("\n")
        try:
            send_mail(subject.strip(), body.strip() + "\n", None, [address])
        except Exception:  # noqa: BLE001 - any mail failure must not turn a saved change into an error page
            logger.exception("Could not email %s about %s", user.pk, template)

    transaction.on_commit(send)
