"""The blank spaCy zh pipeline segments with jieba and knows the courier's words."""
import jieba
import spacy

from foundation import segmenter


def tokens(nlp, text):
    return [token.text for token in nlp(text)]


def test_pipeline_is_built_locally_and_segments_with_jieba(tmp_path):
    nlp = spacy.load(segmenter.build_pipeline(tmp_path / "zh"))
    assert nlp.lang == "zh"
    assert nlp.tokenizer.segmenter == "jieba"
    text = "我想寄一个包裹到北京"
    assert tokens(nlp, text) == jieba.lcut(text)
    assert len(tokens(nlp, text)) > 3


def test_domain_dictionary_keeps_courier_words_whole(tmp_path):
    nlp = spacy.load(segmenter.build_pipeline(tmp_path / "zh"))
    segmenter.load_domain_dictionary()
    # Without the dictionary jieba reads 没收 ("confiscate") + 到.
    assert "没收到" in tokens(nlp, "显示签收了但是我没收到")
    assert "运单号" in tokens(nlp, "我的运单号是多少")


def test_english_is_split_into_words(tmp_path):
    nlp = spacy.load(segmenter.build_pipeline(tmp_path / "zh"))
    assert [t for t in tokens(nlp, "where is my parcel") if t.strip()] == [
        "where", "is", "my", "parcel",
    ]
