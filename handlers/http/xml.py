"""Open311 GeoReport v2 XML: the same values as the JSON answers, in the spec's elements.

``<services><service>…</service></services>``, ``<service_requests><request>…</request>
</service_requests>`` and ``<errors><error><code/><description/></error></errors>``; a value
that is missing is an empty element, booleans are ``true``/``false``, a list nested in an
entry (the history extension's steps) is an element of its items.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from xml.etree import ElementTree

CONTENT_TYPE = "text/xml"

#: the element of each item of a nested list, by the list's name
_ITEMS = {"history": "step"}


def _fill(element: ElementTree.Element, value: Any) -> None:
    if isinstance(value, Mapping):
        for key, inner in value.items():
            _fill(ElementTree.SubElement(element, str(key)), inner)
    elif isinstance(value, list | tuple):
        item_tag = _ITEMS.get(element.tag, "item")
        for inner in value:
            _fill(ElementTree.SubElement(element, item_tag), inner)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = _clean(str(value))


def _clean(text: str) -> str:
    """XML 1.0 cannot hold control characters or lone surrogates: they are left out."""
    return "".join(
        ch
        for ch in text
        if ch in "\t\n\r" or (ch >= " " and not "\ud800" <= ch <= "\udfff" and ch != "\ufffe")
    )


def document(root: str, item: str, entries: Sequence[Mapping[str, Any]]) -> bytes:
    """``<root><item>…</item>…</root>`` with an XML declaration, UTF-8."""
    element = ElementTree.Element(root)
    for entry in entries:
        _fill(ElementTree.SubElement(element, item), entry)
    written: bytes = ElementTree.tostring(element, encoding="utf-8", xml_declaration=True)
    return written


#: the root and item elements of each kind of answer
SERVICES = ("services", "service")
REQUESTS = ("service_requests", "request")
ERRORS = ("errors", "error")
