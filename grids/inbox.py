"""Sending messages (消息) to people: kept in the app, and handed to each delivery backend in
settings.MESSAGE_BACKENDS. Only the in-app one exists: SMS and WeChat are out of reach on the township intranet;
a backend for them is a class with `deliver(messages)` added to that list."""

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import Message


class InAppBackend:
    """The message row is the in-app delivery: it shows in 消息 and in the navigation bar's unread count."""

    def deliver(self, messages):
        pass


def send(recipients, key, text, url=""):
    """Send `text` to each of `recipients` (users, None skipped) unless they already have a message `key`.
    Returns the messages created now; the unique (recipient, key) keeps a second run or a race from doubling."""
    people = {u.pk: u for u in recipients if u is not None}
    if not people:
        return []
    had = set(Message.objects.filter(key=key, recipient__in=people).values_list("recipient_id", flat=True))
    new = [Message(recipient=u, key=key, text=text[:300], url=url) for pk, u in people.items() if pk not in had]
    Message.objects.bulk_create(new, ignore_conflicts=True)
    for path in settings.MESSAGE_BACKENDS:
        import_string(path)().deliver(new)
    return new


def mark_read(messages):
    """Mark these messages (a queryset of one person's) read; already-read ones keep their time."""
    return messages.filter(read_at=None).update(read_at=timezone.now())
