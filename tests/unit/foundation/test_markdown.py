"""Plain text for the web chat widget's markdown (foundation/markdown.py)."""
from foundation.markdown import plain_text_as_markdown


def test_each_line_stays_a_line():
    assert plain_text_as_markdown("运输中。\n物流记录：\n12-06 12:18 西安") == "运输中。  \n物流记录：  \n12\\-06 12:18 西安"


def test_markdown_characters_are_shown_as_written():
    assert plain_text_as_markdown("收件电话 138****5678") == "收件电话 138\\*\\*\\*\\*5678"
    assert plain_text_as_markdown("1. 衣服 [链接](x) _a_ #b") == "1\\. 衣服 \\[链接\\]\\(x\\) \\_a\\_ \\#b"
