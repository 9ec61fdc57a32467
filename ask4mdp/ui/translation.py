"""Messages for people that are translated when they are shown, in the reader's language.

A message made in one place and read in another (a check's verdict written by the worker and read by
the researcher and the checker, a refused input file, a failed synthetic job) cannot be translated
when it is made: it is kept as its English msgid and its parameters, and translated when it is shown.

- ``Message(gettext_noop("the cell %(cell)s differs by %(difference)s"), cell=…, difference=…)`` is
  such a message; ``gettext_noop`` marks the msgid where it is written so that ``makemessages`` finds
  it. ``str()`` gives it in the active language, ``english()`` as written, ``as_json()`` to store it.
  A parameter may itself be a ``Message`` (translated with it) or a list of them (joined with "; ").
- ``MessageError`` is an exception whose message is one: ``str(exc)`` is in the active language (a
  form error, an API error body) and ``exc.message`` can be stored.
- ``store(summary=…, notes=[…])`` gives the fields of a JSON record: each as English text (what the
  audit log, older readers and rows written before the translation expect) and, under ``"i18n"``, in
  its translatable form; ``shown(record, "summary")`` reads one back in the reader's language.
- ``render(stored)`` translates what ``as_json()`` (or ``stored()``, for a list) stored; plain text
  (older rows, texts of other tools) is shown unchanged. A model keeps a message in two fields, as
  ``english()`` text and ``stored()`` JSON, and shows it with ``render(json, fallback=text)``.
"""

from __future__ import annotations

from django.utils.translation import gettext

SEPARATOR = "; "


class Message:
    """A translatable message with named parameters, translated when it is rendered."""

    __slots__ = ("msgid", "params")

    def __init__(self, msgid: str, /, **params):
        self.msgid = str(msgid)
        self.params = params

    def as_json(self) -> dict:
        return {"msgid": self.msgid, "params": {name: stored(value) for name, value in self.params.items()}}

    def english(self) -> str:
        return _render(self.as_json(), translate=False)

    def __str__(self) -> str:
        return _render(self.as_json(), translate=True)

    def __repr__(self) -> str:
        return f"Message({self.english()!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Message) and self.as_json() == other.as_json()

    __hash__ = None


class MessageError(ValueError):
    """An error for a person: ``str()`` in the active language, ``message`` to store and show later.

    ``MessageError(gettext_noop("unknown column %(column)s"), column=name)``, or with a ``Message``
    (to pass another error's message on) or a plain text (a library's own message).
    """

    def __init__(self, message: str | Message, /, **params):
        self.message = message if isinstance(message, Message) else Message(message, **params)
        super().__init__(self.message.english())

    def __str__(self) -> str:
        return str(self.message)


def _is_message(value) -> bool:
    return isinstance(value, dict) and "msgid" in value


def _render(value, *, translate: bool):
    if isinstance(value, Message):
        value = value.as_json()
    if isinstance(value, list):
        return [_render(v, translate=translate) for v in value]
    if not _is_message(value):
        return "" if value is None else value
    text = gettext(value["msgid"]) if translate else value["msgid"]
    params = value.get("params") or {}
    if not params:
        return text
    values = {}
    for name, param in params.items():
        if isinstance(param, list):
            param = SEPARATOR.join(str(_render(p, translate=translate)) for p in param)
        elif _is_message(param):
            param = _render(param, translate=translate)
        values[name] = param
    try:
        return text % values
    except (KeyError, ValueError, TypeError):  # a translation that lost a placeholder: the English is right
        return value["msgid"] % values


def render(value, fallback=""):
    """A stored message (or a list of them) in the active language; plain text as it is.

    ``fallback`` is returned when nothing is stored (e.g. the plain text a row held before).
    """
    if value is None or value == "" or value == [] or value == {}:
        return fallback
    return _render(value, translate=True)


def english(value):
    """A ``Message`` (or a list of them) as written; plain text as it is."""
    return _render(value, translate=False)


def stored(value):
    """A ``Message`` (or a list of them) as JSON; plain text as it is (a number as a number)."""
    if isinstance(value, Message):
        return value.as_json()
    if isinstance(value, (list, tuple)):
        return [stored(v) for v in value]
    if value is None or isinstance(value, (str, bool, int, float, dict)):
        return value
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return str(value)


def store(**fields) -> dict:
    """Fields of a JSON record: each as English text and, under ``"i18n"``, in its translatable form."""
    texts = {name: english(value) for name, value in fields.items()}
    return {**texts, "i18n": {name: stored(value) for name, value in fields.items()}}


def shown(record: dict, name: str):
    """``record[name]`` in the reader's language: its translatable form when stored, else as it is."""
    record = record or {}
    return render((record.get("i18n") or {}).get(name), fallback=record.get(name, ""))
