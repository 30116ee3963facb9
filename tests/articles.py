"""Knowledge articles and store figures the knowledge tests share."""
import uuid

from knowledge.article import parse_article


def new_article(**changes):
    data = {
        "id": f"test-{uuid.uuid4().hex[:8]}",
        "title": {"zh": "测试文章", "en": "Test article"},
        "category": "service",
        "tags": ["测试"],
        "status": "draft",
        "version": 1,
        "valid_from": None,
        "valid_until": None,
        "questions": {"zh": ["测试问题"], "en": ["test question"]},
        "answer": {
            "zh": {"web": "第一版答案。", "voice": "第一版答案。"},
            "en": {"web": "First answer.", "voice": "First answer."},
        },
    }
    data.update(changes)
    return parse_article(data)


def table_counts(store):
    return (len(store.list()), store.revision(), len(store.audit(10_000)), len(store.answer_tests()))


def _yaml_bomb() -> str:
    """An article's YAML text of 328 bytes whose nested aliases stand for 4.8 million
    texts (9 ** 7): read as it says, its id alone runs to 35 MB in an error message."""
    levels = "abcdefg"
    lists = ["&a [lol,lol,lol,lol,lol,lol,lol,lol,lol]"]
    lists += [f"&{name} [{','.join([f'*{before}'] * 9)}]" for before, name in zip(levels, levels[1:])]
    return (f"tags: [{','.join(lists)}]\nid: *g\ntitle: *g\ncategory: x\nvalid_from: null\n"
            f"valid_until: null\nquestions: x\nanswer: x\n")


YAML_BOMB = _yaml_bomb()
