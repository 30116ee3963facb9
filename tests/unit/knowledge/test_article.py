"""Knowledge-base articles: every seed article loads, invalid files are refused with a
message naming the file and the problem, YAML that only an attacker would write
(aliases, deep nesting, masses of values) is refused before it is read, and writing an
article back loses nothing."""
from dataclasses import replace
from datetime import date

import tracemalloc

import pytest
import yaml

from articles import YAML_BOMB
from knowledge.article import (
    MAX_ANSWER_CHARACTERS,
    MAX_YAML_DEPTH,
    MAX_YAML_NODES,
    ArticleError,
    article_to_dict,
    article_to_yaml,
    is_servable,
    load_article,
    load_articles,
    parse_article,
    read_typed_article,
)


def article_data(**changes) -> dict:
    data = {
        "id": "shipping-fee",
        "title": {"zh": "运费怎么计算", "en": "How shipping fees are calculated"},
        "category": "pricing",
        "tags": ["运费", "首重", "price"],
        "status": "published",
        "version": 1,
        "valid_from": None,
        "valid_until": None,
        "questions": {
            "zh": ["运费怎么算", "寄快递多少钱", "首重多少钱", "续重怎么收费", "寄到北京多少钱", "运费贵吗"],
            "en": [
                "How much is shipping?",
                "How is the fee calculated?",
                "What is the first-weight price?",
                "How much per extra kilo?",
                "What does it cost to Beijing?",
                "Is shipping expensive?",
            ],
        },
        "answer": {
            "zh": {"web": "首重1公斤12元，续重每公斤2元。", "voice": "首重一公斤十二元。"},
            "en": {
                "web": "12 yuan for the first kilo, 2 yuan per extra kilo.",
                "voice": "12 yuan for the first kilo.",
            },
        },
    }
    data.update(changes)
    return data


def write(folder, name: str, content) -> object:
    """Writes text as it is, or data as YAML."""
    path = folder / name
    if not isinstance(content, str):
        content = yaml.safe_dump(content, allow_unicode=True, sort_keys=False)
    path.write_text(content, encoding="utf-8")
    return path


def load_error(tmp_path, data, name="shipping-fee.yml") -> str:
    with pytest.raises(ArticleError) as error:
        load_article(write(tmp_path, name, data))
    return str(error.value)


def test_every_seed_article_loads_and_round_trips():
    articles = load_articles()
    assert len(articles) >= 28
    for article in articles:
        assert parse_article(yaml.safe_load(article_to_yaml(article))) == article


def test_a_valid_file_loads_into_typed_fields(tmp_path):
    data = article_data(valid_from="2026-01-01")
    article = load_article(write(tmp_path, "shipping-fee.yml", data))
    assert article.id == "shipping-fee"
    assert article.tags == ("运费", "首重", "price")
    assert article.valid_from == date(2026, 1, 1)
    assert article.questions["zh"][0] == "运费怎么算"
    assert article.answer["en"].voice == "12 yuan for the first kilo."


def test_round_trip_keeps_multi_line_answers_dates_and_numeric_tags(tmp_path):
    data = article_data(tags=["双11", 618], valid_from="2026-11-01", valid_until="2026-11-30")
    data["answer"]["zh"]["web"] = "计费方式：\n- 首重 12 元\n- 续重 2 元/公斤\n\n详见价目表。"
    article = load_article(write(tmp_path, "shipping-fee.yml", data))
    dumped = article_to_yaml(article)
    assert "|" in dumped  # multi-line text is written as a literal block
    (tmp_path / "again").mkdir()
    again = load_article(write(tmp_path / "again", "shipping-fee.yml", dumped))
    assert again == article
    assert again.tags == ("双11", "618")
    assert article_to_dict(again)["valid_until"] == "2026-11-30"


def test_invalid_yaml_names_file_and_line(tmp_path):
    message = load_error(tmp_path, "id: shipping-fee\ntitle: {zh: 运费\ncategory: pricing\n")
    assert "shipping-fee.yml:" in message and "invalid YAML" in message
    line = int(message.split("shipping-fee.yml:")[1].split(":")[0])
    assert line in (2, 3, 4)


@pytest.mark.parametrize(
    "change, expected",
    [
        ({"title": None}, "title must have exactly the languages zh, en"),
        ({"status": "live"}, "status 'live' must be one of published, draft"),
        ({"version": 0}, "version 0 must be a whole number from 1"),
        ({"valid_from": "2026-13-01"}, "valid_from '2026-13-01' is not an ISO date"),
        ({"valid_until": "next week"}, "valid_until 'next week' is not an ISO date"),
        (
            {"valid_from": "2026-12-01", "valid_until": "2026-11-01"},
            "valid_from 2026-12-01 is after valid_until",
        ),
        ({"tags": "运费"}, "tags must be a list"),
        (
            {"questions": {"zh": ["运费怎么算"], "en": ["How much?"]}},
            "questions.zh has 1; needs at least 6",
        ),
        ({"surprise": 1}, "unknown keys: surprise"),
    ],
)
def test_invalid_fields_are_named(tmp_path, change, expected):
    assert expected in load_error(tmp_path, article_data(**change))


def test_missing_keys_are_listed(tmp_path):
    data = article_data()
    del data["answer"], data["category"]
    assert "missing keys: category, answer" in load_error(tmp_path, data)


@pytest.mark.parametrize(
    "web, expected",
    [
        ("   ", "answer.zh.web is empty"),
        ("x" * (MAX_ANSWER_CHARACTERS + 1), f"at most {MAX_ANSWER_CHARACTERS}"),
        ("点这里<script>alert(1)</script>", "answer.zh.web contains a <script> tag"),
        ("<b>首重</b>12元", "answer.zh.web contains an HTML tag (<b>)"),
        ('<a href="https://example.com">价目表</a>', "contains an HTML tag"),
    ],
)
def test_bad_answers_are_refused(tmp_path, web, expected):
    data = article_data()
    data["answer"]["zh"]["web"] = web
    assert expected in load_error(tmp_path, data)


def test_comparisons_and_markdown_are_not_taken_for_html(tmp_path):
    data = article_data()
    data["answer"]["zh"]["web"] = "重量 < 1公斤 或 >5 公斤的包裹见[价目表](https://example.com)。"
    assert load_article(write(tmp_path, "shipping-fee.yml", data)).answer["zh"].web.startswith("重量")


def test_a_draft_may_have_few_questions(tmp_path):
    data = article_data(status="draft", questions={"zh": ["运费怎么算"], "en": ["How much?"]})
    assert load_article(write(tmp_path, "shipping-fee.yml", data)).status == "draft"


def test_id_must_match_the_file_name(tmp_path):
    message = load_error(tmp_path, article_data(), "fees.yml")
    assert "id 'shipping-fee' does not match the file name" in message


def test_folder_errors_are_reported_together_with_duplicates(tmp_path):
    write(tmp_path, "shipping-fee.yml", article_data())
    write(tmp_path, "shipping-fee.yaml", article_data())
    write(tmp_path, "broken.yml", article_data(id="broken", status="live"))
    with pytest.raises(ArticleError) as error:
        load_articles(tmp_path)
    assert len(error.value.problems) == 2
    assert "duplicate id 'shipping-fee'" in str(error.value)
    assert "broken.yml: status 'live'" in str(error.value)


def test_servable_only_when_published_and_inside_the_window():
    article = parse_article(article_data(valid_from="2026-11-01", valid_until="2026-11-30"))
    assert is_servable(article, date(2026, 11, 1))
    assert is_servable(article, date(2026, 11, 30))
    assert not is_servable(article, date(2026, 10, 31))
    assert not is_servable(article, date(2026, 12, 1))
    assert not is_servable(replace(article, status="draft"), date(2026, 11, 15))
    assert is_servable(parse_article(article_data()), date(2000, 1, 1))


def refusal(text: str) -> yaml.YAMLError:
    with pytest.raises(yaml.YAMLError) as error:
        read_typed_article(text)
    return error.value


def test_a_yaml_bomb_is_refused_at_its_first_alias_without_growing():
    tracemalloc.start()
    try:
        error = refusal(YAML_BOMB)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert error.problem == "found the alias *a; write the text out instead of referring to it"
    assert error.problem_mark.line == 0
    assert peak < 1_000_000


def test_yaml_nested_deeper_than_an_article_is_refused_not_a_recursion_error():
    error = refusal("[" * 100_000)
    assert error.problem == f"nested more than {MAX_YAML_DEPTH} levels deep; an article is not"
    # An article's own nesting is well inside the limit.
    assert read_typed_article(article_to_yaml(parse_article(article_data())))["answer"]["zh"]["web"]


def test_yaml_with_more_values_than_any_article_is_refused():
    error = refusal("questions:\n" + "".join(f"- 问题{number}\n" for number in range(MAX_YAML_NODES * 2)))
    assert error.problem == f"more than {MAX_YAML_NODES} values; an article has far fewer"


def test_an_article_file_with_an_alias_is_refused_naming_file_and_line(tmp_path):
    text = article_to_yaml(parse_article(article_data()))
    text = text.replace("category: pricing", "category: &c pricing", 1).replace("status: published", "status: *c")
    message = load_error(tmp_path, text)
    assert "shipping-fee.yml:" in message and "found the alias *c" in message
