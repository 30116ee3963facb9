"""Plain text as the web chat widget shows it.

rasa-webchat renders bot messages as markdown: a single line break joins two lines
into one paragraph (a tracking timeline became one run-on line), and characters such
as `*` in a masked phone number (138****5678) or `1.` at the start of a line change the
text. Our texts are plain, so every markdown character is escaped and every line break
is made a markdown line break.
"""
import re

_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|~])")


def plain_text_as_markdown(text: str) -> str:
    """`text` shown exactly as written, line by line."""
    return "  \n".join(_SPECIAL.sub(r"\\\1", line) for line in text.split("\n"))
