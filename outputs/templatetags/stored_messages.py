"""Stored messages in the reader's language: ``{% load stored_messages %}``.

``{{ record|shown:"summary" }}`` shows a field that ``outputs.translation.store`` wrote (a list for a list
of notes); ``{{ value|translated }}`` a message that ``Message.as_json`` stored. Plain text is shown as it is.
"""

from django import template

from outputs.translation import render, shown

register = template.Library()

register.filter("shown", shown)
register.filter("translated", render)
