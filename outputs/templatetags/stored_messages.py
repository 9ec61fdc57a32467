"""Stored messages in the reader's language: ``{% load stored_messages %}``.

``{{ record|shown:"summary" }}`` shows a field that ``ask4mdp.ui.translation.store`` wrote into a JSON
record (a list of texts for a list of notes); plain text, as older records hold, is shown as it is.
"""

from django import template

from ask4mdp.ui.translation import shown

register = template.Library()

register.filter("shown", shown)
