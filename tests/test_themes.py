"""Themes: features, keyword rules, the shipped model, training and the CLI around them."""
from __future__ import annotations

import json
import logging
import os

import pytest
from click.testing import CliRunner

from classify import themes
from classify.themes import (ThemeModel, assign_themes, classify_text, featurize, label_by_rules,
                             lead_clause, load_model, practice_text)
from conftest import DEV, FIXTURES, SEEDS, UNLABELED, needs_shared
from corpus.article import Article
from extract.analysis import THEMES, Analysis, Practice, Region

THEME_FIXTURES = FIXTURES / "themes" / "corpus"

# fmt: off
LEADS = [
    ("二是加强同频共振。以党员联络服务站…", "加强同频共振"),
    ("（三）建好用活老党员之家。整合资源", "建好用活老党员之家"),
    ("加強組織領導：成立領導小組", "加強組織領導"),
    ("", ""),
]
RULE_CASES = [
    ("组建志愿服务队，开展助老志愿活动。", ("志愿服务",)),
    ("一是建好老党员之家。整合闲置场所建成活动室12个。", ("阵地建设",)),
    ("老党员参与网格巡逻，调解矛盾纠纷。", ("基层治理",)),
    ("五老宣讲团走进校园，为青少年讲红色故事。", ("关心下一代",)),
    ("依托老年大学开设书画、合唱课程。", ("文化养老",)),
    ("今天天气很好。", ()),
]
ITEMS = [
    ("一是建好老党员之家。整合闲置场所建成活动室和老年活动中心，为老同志提供活动场地。", "阵地建设"),
    ("二是组建银发志愿服务队。志愿者常年参与社区公益服务，奉献余热。", "志愿服务"),
    ("三是关心下一代。组织五老走进学校，为青少年和中小学生讲述红色故事。", "关心下一代"),
    ("四是助力乡村振兴。老专家指导合作社发展特色产业，带动群众致富增收。", "助力发展"),
    ("五是调解矛盾纠纷。老党员参与网格管理，化解邻里纠纷，提升基层治理水平。", "基层治理"),
]
# fmt: on


@pytest.mark.parametrize("text, expected", LEADS)
def test_lead_clause(text, expected):
    assert lead_clause(text) == expected


def test_featurize_ngrams_lead_and_keywords():
    feats = featurize("一是建好之家。开展志愿服务", 2)
    assert {"建", "之家", "^建好", "#志愿服务", "^#之家"} <= set(feats)
    assert not any(ch.isdigit() or ch in "。，" for f in feats for ch in f)


@pytest.mark.parametrize("text, expected", RULE_CASES)
def test_label_by_rules(text, expected):
    assert label_by_rules(text) == expected


def test_keyword_table_themes_are_known():
    assert {t for t, _, _ in themes.keyword_table()} == set(THEMES)


@pytest.mark.parametrize("text, theme", ITEMS)
def test_shipped_model_dominant_theme(text, theme):
    got = classify_text(text)
    assert got[0] == theme and 1 <= len(got) <= 2 and set(got) <= set(THEMES)


def test_shipped_model_is_small_and_loads():
    assert themes.MODEL_PATH.stat().st_size < 600_000
    model = load_model()
    assert model is not None and model.themes == THEMES
    again = ThemeModel.from_json(json.loads(json.dumps(model.to_json())))
    text = ITEMS[0][0]
    assert list(again.scores(text).round(6)) == list(model.scores(text).round(6))


def test_missing_model_falls_back_to_rules(tmp_path, caplog, monkeypatch):
    with caplog.at_level(logging.WARNING, logger="classify.themes"):
        assert load_model(tmp_path / "none.json.gz") is None
    assert "missing" in caplog.text
    # The rule labeller stands in: classify_text and assign_themes keep working.
    assert label_by_rules(ITEMS[1][0], min_score=0.5)[0] == "志愿服务"
    monkeypatch.setattr(themes, "load_model", lambda path=themes.MODEL_PATH: None)
    assert classify_text(ITEMS[1][0]) == label_by_rules(ITEMS[1][0], min_score=0.5)
    out = assign_themes(make_article(ITEMS[3][0]), Analysis("t-1", Region()))
    assert out.themes == label_by_rules(ITEMS[3][0], min_score=0.5) and "助力发展" in out.themes


def test_features_do_not_depend_on_the_hash_seed():
    # Feature order is the order of the float sums in the model's scores: it must not follow
    # set iteration order, or a score at a threshold could flip from one process to the next.
    import subprocess
    import sys

    code = "import sys; from classify.themes import featurize; print(featurize(sys.argv[1], 2))"
    text = "".join(t for t, _ in ITEMS)
    outs = {subprocess.run([sys.executable, "-c", code, text], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2", "5")}
    assert len(outs) == 1 and "#志愿服务" in outs.pop()


def make_article(text: str) -> Article:
    return Article(id="t-1", text=text, simplified=text)


def test_assign_themes_practices_then_article_union():
    text = "\n".join(t for t, _ in ITEMS[:3])
    starts = [text.index(t) for t, _ in ITEMS[:3]]
    practices = tuple(Practice(s, s + 8, t[2:8]) for s, (t, _) in zip(starts, ITEMS[:3]))
    out = assign_themes(make_article(text), Analysis("t-1", Region(), practices=practices))
    assert [p.themes[0] for p in out.practices] == ["阵地建设", "志愿服务", "关心下一代"]
    union = []
    for p in out.practices:
        union += [t for t in p.themes if t not in union]
    assert list(out.themes) == union


def test_assign_themes_without_practices_uses_body():
    out = assign_themes(make_article(ITEMS[3][0]), Analysis("t-1", Region()))
    assert "助力发展" in out.themes and out.practices == ()


def test_practice_text_extends_heading_to_item():
    text = "一是建好阵地。整合资源建成活动室。二是开展志愿服务。组建服务队。\n下一段"
    ps = (Practice(0, 6, "建好阵地"), Practice(text.index("二是"), text.index("二是") + 8, "开展志愿服务"))
    assert practice_text(text, ps, 0) == "一是建好阵地。整合资源建成活动室。"
    assert practice_text(text, ps, 1) == "二是开展志愿服务。组建服务队。"


def test_train_themes_on_fixture_is_reproducible(tmp_path):
    from cli import cli

    runner = CliRunner()
    outs = []
    for k in range(2):
        out = tmp_path / f"m{k}.json.gz"
        res = runner.invoke(cli, ["train-themes", "--corpus", str(THEME_FIXTURES), "--relabel",
                                  "--labels", str(tmp_path / "labels.jsonl"), "-o", str(out)])
        assert res.exit_code == 0, res.output
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    labels = [json.loads(line) for line in (tmp_path / "labels.jsonl").read_text("utf-8").splitlines()]
    assert len(labels) == 16 and all(set(r) == {"article", "start", "end", "themes"} for r in labels)
    model = load_model(tmp_path / "m0.json.gz")
    assert classify_text("一是建好活动阵地。整合闲置场所建成老党员之家和活动室。", model)[0] == "阵地建设"


def test_train_themes_exclude_keeps_articles_out_of_labels_and_training(tmp_path):
    from classify.train import read_exclude, read_labels, train_themes
    from cli import cli

    ids = tmp_path / "ids.txt"
    ids.write_text("f-001  # annotated as gold\n\nf-002\n", "utf-8")
    assert read_exclude([ids]) == {"f-001", "f-002"}
    labels = tmp_path / "labels.jsonl"
    res = CliRunner().invoke(cli, ["train-themes", "--corpus", str(THEME_FIXTURES), "--relabel",
                                   "--labels", str(labels), "--exclude", str(ids),
                                   "-o", str(tmp_path / "m.json.gz")])
    assert res.exit_code == 0, res.output
    kept = {r["article"] for r in read_labels(labels)}
    assert kept and not kept & {"f-001", "f-002"}
    # An older label file that still refers to excluded articles: they are dropped at training.
    full = tmp_path / "full.jsonl"
    _, n_all = train_themes(THEME_FIXTURES, full, relabel=True)
    _, n_kept = train_themes(THEME_FIXTURES, full, exclude=frozenset({"f-001", "f-002"}))
    assert n_kept == len(read_labels(labels)) < n_all


# fmt: off
LEAD_CASES = [
    # (lead text before the first practice, themes added from it)
    ("为推动老党员参与基层治理，发挥调解作用，我们做了以下工作。", ("基层治理",)),
    ("近年来，我们组建银发志愿服务队，开展志愿服务活动。", ("志愿服务",)),
    ("近年来，某街道认真做好各项工作，取得了一定成效。", ()),
]
# fmt: on


@pytest.mark.parametrize("lead, expected", LEAD_CASES)
def test_lead_themes_need_a_clear_aim(lead, expected):
    assert themes.lead_themes(make_article(lead), len(lead)) == expected


def test_lead_theme_added_only_when_no_practice_carries_it():
    lead = LEAD_CASES[0][0]
    text = lead + "\n" + ITEMS[0][0]
    start = text.index("一是")
    practices = (Practice(start, start + 8, "建好老党员之家"),)
    out = assign_themes(make_article(text), Analysis("t-1", Region(), practices=practices))
    assert out.practices[0].themes[0] == "阵地建设"
    assert out.themes[:len(out.practices[0].themes)] == out.practices[0].themes
    assert out.themes[-1] == "基层治理"


@pytest.mark.parametrize("origin, expected", [("text", ("基层治理",)), ("html-heading", ("基层治理",)),
                                              ("lead", ())])
def test_lead_sentence_is_not_weighted_as_a_printed_title(origin, expected):
    body = "近年来，某街道认真做好各项工作，取得了一定成效。"
    article = Article("t-1", body, title="老党员参与基层治理调解纠纷", title_origin=origin, simplified=body)
    assert themes.lead_themes(article, len(body)) == expected


def test_body_text_puts_a_printed_title_first_and_never_a_lead_sentence():
    body = "近日，某社区组织老党员开展志愿服务。"
    printed = Article("t-1", body, title="银发志愿者在行动", title_origin="text", simplified=body)
    lead = Article("t-1", body, title=body[:-1], title_origin="lead", simplified=body)
    assert themes.body_text(printed) == "银发志愿者在行动。" + body
    assert lead_clause(themes.body_text(printed)) == "银发志愿者在行动"
    assert themes.body_text(lead) == body
    assert themes.body_text(Article("t-1", body, simplified=body)) == body


def test_hand_units_mark_bodies_and_give_them_the_printed_title():
    from classify.train import hand_units, read_annotations

    dev, _ = read_annotations(ANNOTATIONS)
    units = hand_units(THEME_FIXTURES, dev)
    bodies = [u for u in units if u.body]
    assert [u.article for u in bodies] == ["f-002"] and all(not u.body for u in units if u.article == "f-003")
    assert bodies[0].text.startswith("某县老干部局工作动态。")


def test_train_themes_reports_missing_corpus_texts(tmp_path):
    from cli import cli

    labels = tmp_path / "labels.jsonl"
    labels.write_text('{"article": "nope", "start": 0, "end": 5, "themes": ["组织建设"]}\n', "utf-8")
    res = CliRunner().invoke(cli, ["train-themes", "--corpus", str(tmp_path), "--labels", str(labels),
                                   "-o", str(tmp_path / "m.json.gz")])
    assert res.exit_code != 0 and "nope.txt" in res.output


@needs_shared
def test_shipped_labels_are_references_into_the_unlabeled_corpus():
    from classify.train import read_labels

    labels = read_labels()
    assert len(labels) > 200
    for r in labels:
        assert set(r) == {"article", "start", "end", "themes"} and 1 <= len(r["themes"]) <= 2
        raw = (UNLABELED / f"{r['article']}.txt").read_text("utf-8")
        assert 0 <= r["start"] < r["end"] <= len(raw)


@needs_shared
def test_gold_theme_floors():
    from classify.train import evaluate

    tallies = evaluate(load_model(), [SEEDS, DEV])
    # The targets on seeds + dev together: article ≥ 0.85, practice ≥ 0.80.
    assert tallies["article"].micro()["F1"] >= 0.85
    assert tallies["practice"].micro()["F1"] >= 0.80
    assert tallies["gold_title"].micro()["F1"] >= 0.80


def test_search_and_facts_filter_by_theme(tmp_path):
    from cli import cli

    db = str(tmp_path / "t.db")
    runner = CliRunner()
    res = runner.invoke(cli, ["ingest", str(THEME_FIXTURES), "--db", db])
    assert res.exit_code == 0, res.output
    hits = runner.invoke(cli, ["search", "老党员", "--theme", "助力发展", "--db", db, "--format", "jsonl"])
    ids = {json.loads(line)["id"] for line in hits.output.splitlines() if line.startswith("{")}
    assert "f-003" in ids and "f-004" not in ids
    none = runner.invoke(cli, ["search", "老党员", "--theme", "关心下一代", "--db", db, "--format", "jsonl"])
    assert "f-003" not in none.output
    facts = runner.invoke(cli, ["facts", "--theme", "关心下一代", "--db", db, "--format", "jsonl"])
    rows = [json.loads(line) for line in facts.output.splitlines() if line.startswith("{")]
    assert {r["article_id"] for r in rows} == {"f-002"} and any(r["value"] == 36 for r in rows)


ANNOTATIONS = FIXTURES / "themes" / "annotations.jsonl"


def test_read_annotations_keeps_only_the_chosen_set():
    from classify.train import read_annotations

    dev, others = read_annotations(ANNOTATIONS, ("dev",))
    assert [g["id"] for g in dev] == ["f-003", "f-002"] and others == {"f-004"}
    _, others_test = read_annotations(ANNOTATIONS, ("test",))
    assert others_test == {"f-003", "f-002"}


def test_human_units_items_by_gold_title_and_bodies_without_practices():
    from classify.train import human_units, read_annotations

    dev, _ = read_annotations(ANNOTATIONS)
    texts, labels = human_units(THEME_FIXTURES, dev)
    # f-003: four titles found (the fifth is not in the text), each as its whole item;
    # f-002 has no practices: its body with the article themes.
    assert labels == [("智慧信息化",), ("助力发展",), ("阵地建设",), ("志愿服务",), ("组织建设", "关心下一代")]
    assert texts[0].startswith("一是推进智慧学习") and texts[0].endswith("智能手机。")
    assert texts[3].startswith("四是开展志愿活动") and "志愿服务队" in texts[3]
    assert "走访慰问高龄" in texts[4]


def test_train_themes_with_annotations_excludes_other_sets_and_is_reproducible(tmp_path):
    from classify.train import read_labels, train_themes
    from cli import cli

    outs = []
    for k in range(2):
        labels, out = tmp_path / f"labels{k}.jsonl", tmp_path / f"m{k}.json.gz"
        res = CliRunner().invoke(cli, ["train-themes", "--corpus", str(THEME_FIXTURES), "--relabel",
                                       "--labels", str(labels), "--annotations", str(ANNOTATIONS),
                                       "--annotations-set", "dev", "-o", str(out)])
        assert res.exit_code == 0, res.output
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    weak = read_labels(tmp_path / "labels0.jsonl")
    # The test-set article is out of the weak labels; dev articles keep theirs.
    assert {r["article"] for r in weak} == {"f-001", "f-002", "f-003"}
    assert f"trained on {len(weak) + 5} units" in res.output
    _, n = train_themes(THEME_FIXTURES, tmp_path / "labels0.jsonl", annotations=ANNOTATIONS)
    assert n == len(weak) + 5
    # An id also given to --exclude is kept out of the hand labels too.
    _, n_ex = train_themes(THEME_FIXTURES, tmp_path / "labels0.jsonl", annotations=ANNOTATIONS,
                           exclude=frozenset({"f-002"}))
    assert n_ex == len(weak) - sum(r["article"] == "f-002" for r in weak) + 4


def test_train_themes_reads_several_annotation_files_each_against_its_texts(tmp_path):
    """Hand labels from two corpora: each file's articles are read from its own texts folder,
    and the other-set ids of every file stay out of training."""
    import shutil

    from classify.train import read_labels, train_themes

    lines = ANNOTATIONS.read_text(encoding="utf-8").splitlines()
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text(lines[0] + "\n" + lines[2] + "\n", encoding="utf-8")     # f-003 dev, f-004 test
    second.write_text(lines[1] + "\n", encoding="utf-8")                      # f-002 dev
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(THEME_FIXTURES / "f-002.txt", other / "f-002.txt")
    labels = tmp_path / "labels.jsonl"
    _, n_one = train_themes(THEME_FIXTURES, labels, relabel=True, annotations=ANNOTATIONS)
    weak = read_labels(labels)
    _, n_two = train_themes(THEME_FIXTURES, labels, annotations=[first, second],
                            annotation_texts=[THEME_FIXTURES, other])
    assert n_two == n_one == len(weak) + 5
    # The second file is read against its own folder, not --corpus: a folder without f-002 fails.
    with pytest.raises(FileNotFoundError):
        train_themes(THEME_FIXTURES, labels, annotations=[first, second],
                     annotation_texts=[THEME_FIXTURES, tmp_path / "a-missing-dir"])
    with pytest.raises(ValueError, match="texts folder"):
        train_themes(THEME_FIXTURES, labels, annotations=[first, second], annotation_texts=[other])


def test_rule_scores_as_features_and_in_the_model_json():
    feats = featurize("组建志愿服务队，开展助老志愿活动。", 2, rules=True)
    assert feats.count("@志愿服务") >= 2 and "@政治引领" not in feats
    assert not any(f.startswith("@") for f in featurize("组建志愿服务队，开展助老志愿活动。", 2))
    model = load_model()
    flagged = ThemeModel.from_json({**model.to_json(), "rule_features": True})
    assert flagged.rule_features and flagged.to_json()["rule_features"] is True
    assert "rule_features" not in model.to_json() or model.rule_features


def test_cv_settings_name_known_constants():
    from classify import cv, train

    before = train.HUMAN_WEIGHT
    try:
        cv.apply_setting("train.HUMAN_WEIGHT=2")
        assert train.HUMAN_WEIGHT == 2.0
    finally:
        train.HUMAN_WEIGHT = before
    with pytest.raises(SystemExit, match="unknown setting"):
        cv.apply_setting("train.NO_SUCH=1")


def test_pick_body_counts_by_thresholds_and_picks_by_score():
    import dataclasses

    import numpy as np

    from classify.themes import pick_body

    model = dataclasses.replace(load_model(), thresholds=np.array([0.0, 2.0] + [5.0] * 8))
    # One theme clears its cut-off (政治引领 at 0.5 ≥ 0.0), but 组织建设 scores higher (1.5,
    # under its 2.0): one theme, the better-scored one.
    scores = np.array([0.5, 1.5] + [-3.0] * 8)
    assert pick_body(model, scores) == ("组织建设",)
    # None clears: still the best one; two clear: the two best scores, best first.
    assert pick_body(model, np.array([-1.0, 1.0] + [-3.0] * 8)) == ("组织建设",)
    assert pick_body(model, np.array([0.5, 2.5, 4.0] + [-3.0] * 7)) == ("阵地建设", "组织建设")
