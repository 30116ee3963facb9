"""An article's answer as a customer gets it: in their language and in their channel's
form (the spoken text on the phone line).

The bot's answers, the agents' suggested answers and the editor's preview all come
from here, so an editor previews exactly what customers will read or hear.
"""
from foundation.language import ENGLISH
from foundation.wording import VOICE_CHANNELS, finish
from knowledge.article import Article


def answer_text(article: Article, language: str, channel: str) -> str:
    """Traditional Chinese is the Simplified answer converted as a whole."""
    answer = article.answer["en" if language == ENGLISH else "zh"]
    text = answer.voice if channel in VOICE_CHANNELS else answer.web
    return finish(text.strip(), language)


def title_of(article: Article, language: str) -> str:
    """The title as written (Simplified for every Chinese reader); callers convert the
    whole line they build from it."""
    return article.title["en" if language == ENGLISH else "zh"]
