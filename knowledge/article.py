"""Knowledge-base articles: the schema, loading with validation, and writing back.

One article per file, `knowledge/articles/<id>.yml`:

    id: shipping-fee
    title: {zh: 运费怎么计算, en: How shipping fees are calculated}
    category: pricing
    tags: [运费, 首重, price]
    status: published          # or draft; drafts are never served
    version: 1
    valid_from: null           # ISO date or null; outside the window never served
    valid_until: null
    questions: {zh: [...], en: [...]}
    answer: {zh: {web: ..., voice: ...}, en: {web: ..., voice: ...}}

Every problem is reported as an `ArticleError` naming the file, so an editor can fix it.
The same rules check what editors type in the editor service (`read_typed_article`,
`parse_article`) and what is published (`checked_as`).
"""
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

import yaml

ARTICLES_FOLDER = Path(__file__).with_name("articles")

LANGUAGES = ("zh", "en")
CHANNELS = ("web", "voice")
PUBLISHED = "published"
DRAFT = "draft"  # never served; every edit is saved as one
STATUSES = (PUBLISHED, DRAFT)
# Search needs several phrasings to find an article; drafts may still be growing.
MIN_PUBLISHED_QUESTIONS = 6
MAX_ANSWER_CHARACTERS = 20_000
# An article nests four levels (answer: zh: web: text) and holds a few hundred values;
# YAML beyond these is not an article, and reading it would only cost time and memory.
MAX_YAML_DEPTH = 8
MAX_YAML_NODES = 5_000
KEYS = (
    "id", "title", "category", "tags", "status", "version",
    "valid_from", "valid_until", "questions", "answer",
)

_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Answers are plain text or Markdown; an HTML tag would be injected into the chat page.
_HTML_TAG = re.compile(r"<\s*/?\s*[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?\s*>")
_SCRIPT = re.compile(r"<\s*script", re.IGNORECASE)


class ArticleError(ValueError):
    """One or more articles are invalid; the message lists every problem found."""

    def __init__(self, problems: Iterable[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class Answer:
    web: str
    voice: str


@dataclass(frozen=True)
class Article:
    """One article file; title, questions and answer are keyed by language (zh, en)."""

    id: str
    title: Dict[str, str]
    category: str
    tags: Tuple[str, ...]
    status: str
    version: int
    valid_from: Optional[date]
    valid_until: Optional[date]
    questions: Dict[str, Tuple[str, ...]]
    answer: Dict[str, Answer]


class _ArticleLoader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text, so a bad date gets a clear message here
    instead of a bare ValueError from inside PyYAML.

    It also refuses what no article needs and an attacker would use: aliases (a few
    hundred bytes of nested `&a [*b, *b, ...]` stand for millions of values once the
    article is read), nesting deeper than MAX_YAML_DEPTH (PyYAML composes recursively)
    and more than MAX_YAML_NODES values. Each stops reading at once, naming the line."""

    def __init__(self, stream) -> None:
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise yaml.composer.ComposerError(
                None, None, f"found the alias *{event.anchor}; write the text out instead of referring to it",
                event.start_mark,
            )
        self._nodes += 1
        if self._nodes > MAX_YAML_NODES:
            raise yaml.composer.ComposerError(
                None, None, f"more than {MAX_YAML_NODES} values; an article has far fewer", event.start_mark
            )
        if self._depth >= MAX_YAML_DEPTH:
            raise yaml.composer.ComposerError(
                None, None, f"nested more than {MAX_YAML_DEPTH} levels deep; an article is not", event.start_mark
            )
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


_ArticleLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _TypedArticleLoader(_ArticleLoader):
    """Also refuses a key given twice, which PyYAML would otherwise settle silently by
    keeping the last: an editor typing the text would not see which one counts."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                repeated = key in seen
                seen.add(key)
            except TypeError:  # an unhashable key: the SafeLoader reports it
                continue
            if repeated:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping", node.start_mark, f"found the key {key!r} twice", key_node.start_mark
                )
        return super().construct_mapping(node, deep=deep)


def read_typed_article(text: str) -> object:
    """The data of an article's YAML as an editor typed it, for `parse_article`: dates
    stay text, and a key given twice, an alias or YAML far larger than an article is
    refused. Raises yaml.YAMLError."""
    return yaml.load(text, Loader=_TypedArticleLoader)


def is_servable(article: Article, today: date) -> bool:
    """Published and inside its validity window (both ends inclusive)."""
    return (
        article.status == PUBLISHED
        and (article.valid_from is None or article.valid_from <= today)
        and (article.valid_until is None or today <= article.valid_until)
    )


def load_article(path: Path) -> Article:
    path = Path(path)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_ArticleLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(error, "problem", None) or str(error)
        raise ArticleError([f"{where}: invalid YAML: {problem}"]) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ArticleError([f"{path}: cannot be read: {error}"]) from None
    article = parse_article(data, source=str(path))
    if article.id != path.stem:
        raise ArticleError([f"{path}: id '{article.id}' does not match the file name"])
    return article


def load_articles(folder: Path = ARTICLES_FOLDER) -> List[Article]:
    """Every article in `folder`, sorted by id; all problems of all files in one error."""
    articles: List[Article] = []
    problems: List[str] = []
    first_file: Dict[str, Path] = {}
    paths = sorted([*Path(folder).glob("*.yml"), *Path(folder).glob("*.yaml")])
    for path in paths:
        try:
            article = load_article(path)
        except ArticleError as error:
            problems.extend(error.problems)
            continue
        if article.id in first_file:
            first = first_file[article.id]
            problems.append(f"{path}: duplicate id '{article.id}' (also in {first})")
            continue
        first_file[article.id] = path
        articles.append(article)
    if problems:
        raise ArticleError(problems)
    return sorted(articles, key=lambda article: article.id)


def parse_article(data: object, source: str = "article") -> Article:
    """Builds an Article from loaded YAML (or JSON) data, checking every field."""
    problems: List[str] = []

    def problem(message: str) -> None:
        problems.append(f"{source}: {message}")

    if not isinstance(data, dict):
        raise ArticleError([f"{source}: expected a mapping of article fields"])
    missing = [key for key in KEYS if key not in data]
    if missing:
        problem(f"missing keys: {', '.join(missing)}")
    unknown = [str(key) for key in data if key not in KEYS]
    if unknown:
        problem(f"unknown keys: {', '.join(unknown)}")
    if problems:
        raise ArticleError(problems)

    article_id = data["id"]
    if not isinstance(article_id, str) or not _ID.match(article_id):
        problem(f"id {article_id!r} must be lower-case letters, digits and dashes")
    category = _text(data["category"])
    if not category:
        problem("category must be non-empty text")
    status = data["status"]
    if status not in STATUSES:
        problem(f"status {status!r} must be one of {', '.join(STATUSES)}")
    version = data["version"]
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        problem(f"version {version!r} must be a whole number from 1")
    valid_from = _date(data["valid_from"], "valid_from", problem)
    valid_until = _date(data["valid_until"], "valid_until", problem)
    if valid_from and valid_until and valid_from > valid_until:
        problem(f"valid_from {valid_from} is after valid_until {valid_until}")
    tags = _text_list(data["tags"], "tags", problem)
    title = {
        language: _text(text)
        for language, text in _per_language(data["title"], "title", problem).items()
    }
    for language, text in title.items():
        if not text:
            problem(f"title.{language} must be non-empty text")
        elif _HTML_TAG.search(text):
            problem(f"title.{language} contains an HTML tag")
    questions = {
        language: tuple(_text_list(value, f"questions.{language}", problem))
        for language, value in _per_language(data["questions"], "questions", problem).items()
    }
    for language, phrasings in questions.items():
        least = MIN_PUBLISHED_QUESTIONS if status == PUBLISHED else 1
        if len(phrasings) < least:
            problem(f"questions.{language} has {len(phrasings)}; needs at least {least}")
    answer = {
        language: _answer(value, f"answer.{language}", problem)
        for language, value in _per_language(data["answer"], "answer", problem).items()
    }
    if problems:
        raise ArticleError(problems)
    return Article(
        id=article_id,
        title=title,
        category=category,
        tags=tuple(tags),
        status=status,
        version=version,
        valid_from=valid_from,
        valid_until=valid_until,
        questions=questions,
        answer=answer,
    )


def checked_as(article: Article, status: str) -> Article:
    """The article with `status` (published, else draft), validated by the article
    rules: empty or oversized answers, HTML and script tags, too few questions to
    publish... Raises ArticleError naming every problem."""
    data = article_to_dict(article)
    data["status"] = PUBLISHED if status == PUBLISHED else DRAFT
    return parse_article(data, source=f"article '{article.id}'")


def article_to_dict(article: Article) -> dict:
    """Plain data in the file's key order; `parse_article` reads it back unchanged."""
    return {
        "id": article.id,
        "title": dict(article.title),
        "category": article.category,
        "tags": list(article.tags),
        "status": article.status,
        "version": article.version,
        "valid_from": article.valid_from.isoformat() if article.valid_from else None,
        "valid_until": article.valid_until.isoformat() if article.valid_until else None,
        "questions": {language: list(texts) for language, texts in article.questions.items()},
        "answer": {
            language: {"web": answer.web, "voice": answer.voice}
            for language, answer in article.answer.items()
        },
    }


def article_to_yaml(article: Article) -> str:
    return yaml.dump(
        article_to_dict(article),
        Dumper=_ArticleDumper,
        allow_unicode=True,
        sort_keys=False,
        width=100,
    )


class _ArticleDumper(yaml.SafeDumper):
    """Writes multi-line answers as literal blocks, as an editor would type them."""


def _represent_text(dumper: yaml.SafeDumper, text: str) -> yaml.Node:
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_ArticleDumper.add_representer(str, _represent_text)


def _text(value: object) -> str:
    # Unquoted numbers in YAML (a tag "618", a question "12306") are meant as text.
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    return value.strip() if isinstance(value, str) else ""


def _text_list(value: object, name: str, problem) -> List[str]:
    if not isinstance(value, list):
        problem(f"{name} must be a list")
        return []
    texts = [_text(item) for item in value]
    if not all(texts):
        problem(f"{name} must contain only non-empty text")
    return [text for text in texts if text]


def _per_language(value: object, name: str, problem) -> Dict[str, object]:
    if not isinstance(value, dict) or set(value) != set(LANGUAGES):
        problem(f"{name} must have exactly the languages {', '.join(LANGUAGES)}")
        return {}
    return {language: value[language] for language in LANGUAGES}


def _answer(value: object, name: str, problem) -> Answer:
    if not isinstance(value, dict) or set(value) != set(CHANNELS):
        problem(f"{name} must have exactly the channels {', '.join(CHANNELS)}")
        return Answer("", "")
    texts = {}
    for channel in CHANNELS:
        text = _text(value[channel])
        where = f"{name}.{channel}"
        if not text:
            problem(f"{where} is empty")
        elif len(text) > MAX_ANSWER_CHARACTERS:
            problem(f"{where} has {len(text)} characters; at most {MAX_ANSWER_CHARACTERS}")
        elif _SCRIPT.search(text):
            problem(f"{where} contains a <script> tag")
        elif _HTML_TAG.search(text):
            tag = _HTML_TAG.search(text).group()
            problem(f"{where} contains an HTML tag ({tag}); write Markdown instead")
        texts[channel] = text
    return Answer(**texts)


def _date(value: object, name: str, problem) -> Optional[date]:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    problem(f"{name} {value!r} is not an ISO date (YYYY-MM-DD) or null")
    return None
