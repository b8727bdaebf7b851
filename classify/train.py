"""Training and evaluation of the theme model (``wrmine train-themes``).

Data flow, all offline and deterministic:

1. ``segment_units(article)``: items (``一是…``, ``（一）…``, ``1、…``) and paragraphs of a clean
   article, as clean-text offsets.
2. ``weak_labels(corpus_dir)``: the keyword rules of ``classify.themes.label_by_rules`` over those
   units → references ``{"article", "start", "end", "themes"}`` with offsets into the RAW file
   (read as decoded text, no newline translation), so the labels survive changes to the cleaner
   and no third-party text enters the repository (rules: ``classify/data/LABELLING.md``).
3. ``load_units(corpus_dir, labels)``: the texts back from the corpus folder.
4. ``fit(texts, labels)``: TF-IDF (``featurize``) + one logistic regression per theme; per-theme
   thresholds from 5-fold cross-validated scores on the training units (never the gold).
5. ``evaluate(model, gold_dirs)``: article themes (as score.py's themes_F1), practice themes
   on the extracted practices (matched to gold by title Dice ≥ 0.5) and on the gold practice
   items located in the text ("gold-title"), each with a per-theme table.

>>> # wrmine train-themes --corpus ../shared/corpus/unlabeled --eval ../shared/corpus/seeds
"""
from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from classify.themes import (DATA_DIR, ThemeModel, assign_themes, body_text, classify_text, featurize,
                             label_by_rules, practice_text)
from corpus.article import Article
from corpus.clean import article_from_text
from corpus.errors import Declined
from corpus.gold import match_titles, scorer_norm
from corpus.markers import marker_source
from corpus.read import iter_inputs, read_source
from corpus.script import simplify
from extract.analysis import THEMES, Practice

LABELS_PATH = DATA_DIR / "theme_labels.jsonl"
SEED = 13
C = 3.0
# Weight of the keyword-rule prior added to the model's scores (see LABELLING.md, "Choices").
RULE_WEIGHT = 0.2
NGRAM_MAX = 2
MIN_DF = 2
MIN_UNIT_CJK = 20
# Weight of a hand-labelled unit against a weak-labelled one (LABELLING.md, "Shipped model":
# 4 beat 2 in article-grouped cross-validation over 261 annotated articles).
HUMAN_WEIGHT = 4.0
# Options measured by ``python -m classify.cv`` (LABELLING.md, "Issue 10, second round"):
# threshold folds grouped by article, and the rule scores as features of the regression.
GROUPED_FOLDS = False
RULE_FEATURES = False

# Item markers (一是, （一）, 一、, 1、 …) from the one marker table.
ITEM_MARKERS = marker_source(capture=False)
# Where an enumerated item starts inside a paragraph: after a sentence end (or at the start).
RE_ITEM_START = re.compile(rf"(?:^|(?<=[。；;！!？?]))\s*(?=(?:{ITEM_MARKERS}))", re.M)
# An item marker ending right where a located gold title starts.
RE_MARKER_BEFORE = re.compile(rf"(?:{ITEM_MARKERS})\s*")
RE_CJK = re.compile(r"[\u4e00-\u9fff]")
# Page chrome that survives cleaning (datelines, bylines, breadcrumbs, site slogans): such
# units are not labelled (hand check: they drew 智慧信息化 from 网/在线 and 为老服务 from 养老网).
RE_CHROME = re.compile(r"来源[:：]|>>|记者|编辑|责任编辑|版权|网站|首页|资讯|\d{1,2}:\d{2}")
MAX_CHROME_CJK = 60


# --- units and weak labels ---------------------------------------------------------------

def segment_units(article: Article) -> list[tuple[int, int]]:
    """Clean-text spans of items and paragraphs with at least MIN_UNIT_CJK Chinese characters.

    >>> a = Article("x", "工作做法如下。一是建好老党员之家，整合闲置场所建成活动室十二个供老同志使用。二是开展志愿服务，组建志愿服务队三十支常年开展助老服务。")
    >>> [a.text[s:e][:4] for s, e in segment_units(a)]
    ['一是建好', '二是开展']
    """
    plain = article.plain
    spans = []
    for para in re.finditer(r"[^\n]+", plain):
        cuts = sorted({m.start() for m in RE_ITEM_START.finditer(para.group())} | {0})
        bounds = cuts + [len(para.group())]
        for s, e in zip(bounds, bounds[1:]):
            piece = para.group()[s:e]
            if len(RE_CJK.findall(piece)) >= MIN_UNIT_CJK:
                lead = len(piece) - len(piece.lstrip())
                spans.append((para.start() + s + lead, para.start() + e))
    return spans


def read_article(path: str) -> Article:
    """A corpus file as a clean Article (raises Declined)."""
    source = read_source(path)
    if source.kind != "text":
        raise Declined("training reads scraped .txt files only")
    return article_from_text(source.id, source.text)


def read_exclude(paths: Iterable[str | Path]) -> frozenset[str]:
    """Article ids never to train on (hand-annotated evaluation articles): one id per line or
    whitespace-separated, ``#`` starts a comment. A file holding ``u-0002`` and
    ``u-0008  # gold set 1`` on two lines gives ``frozenset({'u-0002', 'u-0008'})``.
    """
    ids: set[str] = set()
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                ids.update(line.split("#", 1)[0].split())
    return frozenset(ids)


def weak_labels(corpus_dir: str | Path, exclude: frozenset[str] = frozenset()) -> Iterator[dict]:
    """Rule labels for every unit of every article in ``corpus_dir`` (units without a rule
    theme are left out), as raw-offset references; articles whose id is in ``exclude``
    (gold-annotated for evaluation) are skipped."""
    for path in iter_inputs([str(corpus_dir)]):
        try:
            article = read_article(path)
        except Declined:
            continue
        if article.id in exclude:
            continue
        for s, e in segment_units(article):
            text = article.plain[s:e]
            if RE_CHROME.search(text) and len(RE_CJK.findall(text)) < MAX_CHROME_CJK:
                continue
            themes = label_by_rules(text)
            if themes:
                rs, re_ = article.raw_map.span_to_raw(s, e)
                yield {"article": article.id, "start": rs, "end": re_, "themes": list(themes)}


def write_labels(labels: Iterable[dict], path: Path = LABELS_PATH) -> int:
    rows = list(labels)
    with open(path, "w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    return len(rows)


def read_labels(path: Path = LABELS_PATH) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    for r in rows:
        bad = set(r["themes"]) - set(THEMES)
        if bad:
            raise ValueError(f"Unknown theme(s) {sorted(bad)} in {path}. Themes: {', '.join(THEMES)}")
    return rows


def load_units(corpus_dir: str | Path, labels: list[dict]) -> tuple[list[str], list[tuple[str, ...]]]:
    """The labelled texts (simplified) read back from the corpus folder, with their themes."""
    raws: dict[str, str] = {}
    texts, themes = [], []
    for r in labels:
        if r["article"] not in raws:
            path = Path(corpus_dir) / f"{r['article']}.txt"
            try:
                raws[r["article"]] = read_source(str(path)).text
            except Declined as exc:
                raise FileNotFoundError(f"{path}: {exc}; is --corpus the folder the labels refer to?") from None
        texts.append(simplify(raws[r["article"]][r["start"]:r["end"]]))
        themes.append(tuple(r["themes"]))
    return texts, themes


# --- hand annotations ----------------------------------------------------------------------

def read_annotations(path: str | Path, sets: Iterable[str] = ("dev",),
                     texts: str | Path | None = None) -> tuple[list[dict], frozenset[str]]:
    """Gold-format annotations of corpus articles: (the entries whose ``set`` is in ``sets``,
    the ids of every other entry). Only the id of an entry outside ``sets`` is kept: those
    articles (a closed test set) are neither read nor trained on, not even through weak labels.
    Reference lines (``benchmarks/annotations/*.jsonl``: offsets instead of copied text, see
    ``corpus/gold.py``) are rebuilt from the article texts in ``texts``.
    """
    from corpus.gold import from_refs, read_raw

    sets = frozenset(sets)
    keep, others = [], set()
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            entry = json.loads(line)
            if entry.get("set") in sets:
                if "named_methods@" in entry:
                    if texts is None:
                        raise ValueError(f"{path} holds references: the article texts are needed to read it")
                    entry = from_refs(entry, read_raw(Path(texts) / f"{entry['id']}.txt"))
                keep.append(entry)
            else:
                others.add(entry["id"])
    return keep, frozenset(others)


@dataclass(frozen=True)
class Unit:
    """One training unit: its article (for grouped folds), text, themes, and whether it is a
    whole article body (``pick_body`` cut-offs) rather than one item."""
    article: str
    text: str
    themes: tuple[str, ...]
    body: bool = False


def human_units(corpus_dir: str | Path, entries: list[dict]) -> tuple[list[str], list[tuple[str, ...]]]:
    """Training units from hand annotations (``hand_units``) as (texts, themes)."""
    units = hand_units(corpus_dir, entries)
    return [u.text for u in units], [u.themes for u in units]


def hand_units(corpus_dir: str | Path, entries: list[dict]) -> list[Unit]:
    """Training units from hand annotations: each gold practice located in the article text
    (``locate_titles``), as the item ``practice_text`` would give the classifier, with its gold
    practice themes; an article without practices gives its body (``body_text``: printed title
    first) with the article themes. Practices whose title is not found in the text are left out.
    """
    units: list[Unit] = []
    for g in entries:
        path = Path(corpus_dir) / f"{g['id']}.txt"
        try:
            article = read_article(str(path))
        except Declined as exc:
            raise FileNotFoundError(f"{path}: {exc}; is --corpus the folder the annotations refer to?") from None
        plain = article.plain
        if not g["practices"]:
            if g["themes"] and plain.strip():
                units.append(Unit(g["id"], body_text(article), tuple(g["themes"]), body=True))
            continue
        by_title = {p["title"]: tuple(p["themes"]) for p in g["practices"] if p["themes"]}
        located = tuple(with_marker(plain, p) for p in locate_titles(plain, [p["title"] for p in g["practices"]])
                        if p.title in by_title)
        units += [Unit(g["id"], practice_text(plain, located, i), by_title[p.title]) for i, p in enumerate(located)]
    for u in units:
        bad = set(u.themes) - set(THEMES)
        if bad:
            raise ValueError(f"Unknown theme(s) {sorted(bad)} in the annotations. Themes: {', '.join(THEMES)}")
    return units


def with_marker(plain: str, practice: Practice) -> Practice:
    """The practice widened to the item marker just before its title (一是 / （一） / 1、), as the
    practice extractor's spans start, so that the item's next neighbour does not keep it.

    >>> with_marker("…。二是加强学习。", Practice(4, 8, "加强学习")).start
    2
    """
    # Matched from each start so the marker's own look-ahead (二是 needs a title) sees the title.
    m = next((m for p in range(max(0, practice.start - 8), practice.start)
              if (m := RE_MARKER_BEFORE.match(plain, p)) and m.end() == practice.start), None)
    return replace(practice, start=m.start()) if m else practice


# --- fitting ------------------------------------------------------------------------------

def _analyzer(ngram_max: int):
    return lambda text: featurize(text, ngram_max, rules=RULE_FEATURES)


def _fit_linear(texts: list[str], y: np.ndarray, ngram_max: int, c: float,
                sample_weight: np.ndarray | None = None):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from threadpoolctl import threadpool_limits

    vec = TfidfVectorizer(analyzer=_analyzer(ngram_max), sublinear_tf=True, min_df=MIN_DF, dtype=np.float64)
    x = vec.fit_transform(texts)
    # One BLAS thread: the regressions are small, and on a busy machine threaded BLAS made the
    # same fit ~10x slower (76 s instead of 8 s for 800 units).
    with threadpool_limits(limits=1):
        return _fit_regressions(vec, x, y, c, sample_weight)


def _fit_regressions(vec, x, y: np.ndarray, c: float, sample_weight: np.ndarray | None):
    from sklearn.linear_model import LogisticRegression

    weights = np.zeros((x.shape[1], y.shape[1]))
    intercepts = np.full(y.shape[1], -10.0)
    for j in range(y.shape[1]):
        if y[:, j].min() == y[:, j].max():
            continue     # a theme without positives (tiny fixtures) never fires
        clf = LogisticRegression(C=c, class_weight="balanced", max_iter=2000, random_state=SEED)
        clf.fit(x, y[:, j], sample_weight=sample_weight)
        weights[:, j] = clf.coef_[0]
        intercepts[j] = clf.intercept_[0]
    return vec, weights, intercepts


def _binarize(labels: list[tuple[str, ...]]) -> np.ndarray:
    return np.array([[t in ls for t in THEMES] for ls in labels], dtype=int)


def best_thresholds(scores: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per theme, the decision-score cut-off with the best F1 on held-out scores.

    >>> best_thresholds(np.array([[0.0], [1.0], [2.0], [3.0]]), np.array([[0], [0], [1], [1]]))
    array([2.])
    """
    out = np.zeros(y.shape[1])
    for j in range(y.shape[1]):
        cuts = np.unique(np.round(scores[:, j], 2))
        f1 = [_f1_at(scores[:, j] >= thr, y[:, j]) for thr in cuts]
        out[j] = float(cuts[int(np.argmax(f1))]) if len(cuts) else 0.0
    return out


def _f1_at(pred: np.ndarray, gold: np.ndarray) -> float:
    tp = int((pred & (gold == 1)).sum())
    return 2 * tp / (pred.sum() + gold.sum()) if tp else 0.0


def held_out_scores(texts: list[str], y: np.ndarray, ngram_max: int, c: float, rule_weight: float,
                    sw: np.ndarray | None, folds: int, groups: list[str] | None) -> np.ndarray:
    """Scores of every unit from a model trained without its fold. With ``groups`` (the article
    of each unit) a whole article falls in one fold, so that thresholds are tuned on articles
    the fold model has not seen, as on new articles."""
    n = len(texts)
    folds = max(2, min(folds, n))
    if groups is None:
        order = np.random.default_rng(SEED).permutation(n)
        fold = np.empty(n, dtype=int)
        fold[order] = np.arange(n) % folds
    else:
        names = sorted(set(groups))
        rank = {g: i for i, g in enumerate(np.random.default_rng(SEED).permutation(names))}
        fold = np.array([rank[g] % folds for g in groups])
    held = np.zeros(y.shape, dtype=np.float64)
    for k in range(folds):
        test, train = np.flatnonzero(fold == k), np.flatnonzero(fold != k)
        if not len(test) or not len(train):
            continue
        model_k = _to_model(*_fit_linear([texts[i] for i in train], y[train], ngram_max, c,
                                         None if sw is None else sw[train]),
                            np.zeros(y.shape[1]), ngram_max, rule_weight)
        for i in test:
            held[i] = model_k.scores(texts[i])
    return held


def fit(texts: list[str], labels: list[tuple[str, ...]], ngram_max: int = NGRAM_MAX, c: float = C,
        rule_weight: float = RULE_WEIGHT, folds: int = 5,
        sample_weight: list[float] | None = None, groups: list[str] | None = None) -> ThemeModel:
    """Fit the model; thresholds come from ``folds``-fold cross-validated scores (folds by
    article when ``groups`` gives each unit's article).
    ``sample_weight``: per-unit weight in the regressions (hand labels may count more than weak ones)."""
    y = _binarize(labels)
    sw = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    vec, weights, intercepts = _fit_linear(texts, y, ngram_max, c, sw)
    held = held_out_scores(texts, y, ngram_max, c, rule_weight, sw, folds, groups)
    return _to_model(vec, weights, intercepts, best_thresholds(held, y), ngram_max, rule_weight)


def _to_model(vec, weights, intercepts, thresholds, ngram_max, rule_weight) -> ThemeModel:
    # Round-trip through the JSON form so that evaluation sees exactly the shipped numbers.
    model = ThemeModel(themes=THEMES, vocab=dict(vec.vocabulary_), idf=vec.idf_, weights=weights,
                       intercepts=intercepts, thresholds=np.asarray(thresholds), ngram_max=ngram_max,
                       rule_weight=rule_weight, rule_features=RULE_FEATURES)
    return ThemeModel.from_json(model.to_json())


# --- evaluation ---------------------------------------------------------------------------

@dataclass(frozen=True)
class GoldArticle:
    article: Article
    gold: dict


def read_gold(gold_dir: str | Path) -> list[GoldArticle]:
    """Gold articles of a corpus folder (``gold.jsonl`` + ``<id>.txt``)."""
    out = []
    with open(Path(gold_dir) / "gold.jsonl", encoding="utf-8") as fh:
        for line in fh:
            g = json.loads(line)
            out.append(GoldArticle(read_article(str(Path(gold_dir) / f"{g['id']}.txt")), g))
    return out


def locate_titles(plain: str, titles: list[str]) -> list[Practice]:
    """Gold practice titles found in order in ``plain`` (punctuation-insensitive), as
    heading-only Practices; titles not found are left out."""
    keep = [(i, ch) for i, ch in enumerate(plain) if scorer_norm(ch)]
    flat = "".join(scorer_norm(ch) for _, ch in keep)
    starts = [i for i, _ in keep]
    out, pos = [], 0
    for t in titles:
        nt = scorer_norm(t)
        k = flat.find(nt, pos) if nt else -1
        if k < 0:
            k = flat.find(nt) if nt else -1
        if k < 0:
            continue
        pos = k + len(nt)
        out.append(Practice(starts[k], starts[pos - 1] + 1, t))
    return sorted(out, key=lambda p: p.start)


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    """Precision, recall, F1 (0.0 where undefined).

    >>> prf(3, 1, 1)
    (0.75, 0.75, 0.75)
    """
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


class Tally:
    """tp / fp / fn per theme, and a confusion count of (gold theme missed, theme predicted)."""

    def __init__(self) -> None:
        self.counts = {t: [0, 0, 0] for t in THEMES}
        self.confusion: Counter = Counter()

    def add(self, gold: Iterable[str], pred: Iterable[str]) -> None:
        g, p = set(gold), set(pred)
        for t in g | p:
            self.counts[t][0 if t in g and t in p else (1 if t in p else 2)] += 1
        for missed in g - p:
            for extra in (p - g) or {"-"}:
                self.confusion[(missed, extra)] += 1

    def micro(self) -> dict:
        tp, fp, fn = (sum(c[i] for c in self.counts.values()) for i in range(3))
        p, r, f = prf(tp, fp, fn)
        return {"tp": tp, "pred": tp + fp, "gold": tp + fn, "P": p, "R": r, "F1": f}

    def table(self) -> str:
        lines = [f"{'theme':<8}\t{'tp':>3}\t{'fp':>3}\t{'fn':>3}\t{'P':>5}\t{'R':>5}\t{'F1':>5}"]
        for t, (tp, fp, fn) in self.counts.items():
            p, r, f = prf(tp, fp, fn)
            lines.append(f"{t:<8}\t{tp:>3}\t{fp:>3}\t{fn:>3}\t{p:5.2f}\t{r:5.2f}\t{f:5.2f}")
        m = self.micro()
        lines.append(f"{'micro':<8}\t{m['tp']:>3}\t{m['pred'] - m['tp']:>3}\t{m['gold'] - m['tp']:>3}\t"
                     f"{m['P']:5.2f}\t{m['R']:5.2f}\t{m['F1']:5.2f}")
        return "\n".join(lines)


def evaluate(model: ThemeModel | None, gold_dirs: list[str | Path]) -> dict[str, Tally]:
    """Article, practice (extracted, title-matched) and gold-title practice tallies."""
    from extract.pipeline import analyse

    return evaluate_articles(model, [ga for d in gold_dirs for ga in read_gold(d)], analyse)


def evaluate_articles(model: ThemeModel | None, articles: Iterable[GoldArticle], analyse) -> dict[str, Tally]:
    """``evaluate`` over gold articles already read (``analyse``: Article → Analysis, e.g. cached)."""
    tallies = {"article": Tally(), "practice": Tally(), "gold_title": Tally()}
    for ga in articles:
        article, gold = ga.article, ga.gold
        analysis = assign_themes(article, analyse(article), model)
        tallies["article"].add(gold["themes"], analysis.themes)
        pred = [{"title": p.title, "themes": p.themes} for p in analysis.practices]
        for gi, pi in match_practices(gold["practices"], pred):
            tallies["practice"].add(gold["practices"][gi]["themes"], pred[pi]["themes"])
        located = tuple(locate_titles(article.plain, [p["title"] for p in gold["practices"]]))
        by_title = {p["title"]: p["themes"] for p in gold["practices"]}
        for i, p in enumerate(located):
            text = practice_text(article.plain, located, i)
            tallies["gold_title"].add(by_title[p.title], classify_text(text, model))
    return tallies


def match_practices(gold: list[dict], pred: list[dict]) -> list[tuple[int, int]]:
    """Greedy one-to-one title matching by Dice ≥ 0.5, best pairs first (as score.py)."""
    return match_titles([g["title"] for g in gold], [p["title"] for p in pred])


def report(tallies: dict[str, Tally], top_confusions: int = 8) -> str:
    """Printable per-theme tables and the most frequent confusions."""
    parts = []
    for name, tally in tallies.items():
        parts.append(f"== {name} themes (micro F1 {tally.micro()['F1']:.3f})\n{tally.table()}")
        conf = ", ".join(f"{g}→{p} {n}" for (g, p), n in tally.confusion.most_common(top_confusions))
        parts.append(f"missed gold theme → predicted instead: {conf or 'none'}")
    return "\n".join(parts)


def train_themes(corpus_dir: str | Path, labels_path: Path = LABELS_PATH, relabel: bool = False,
                 ngram_max: int = NGRAM_MAX, c: float = C, rule_weight: float = RULE_WEIGHT,
                 exclude: frozenset[str] = frozenset(),
                 annotations: str | Path | Iterable[str | Path] | None = None,
                 annotation_sets: Iterable[str] = ("dev",),
                 human_weight: float = HUMAN_WEIGHT,
                 annotation_texts: Iterable[str | Path] = ()) -> tuple[ThemeModel, int]:
    """(Re)label if asked, read the units back from ``corpus_dir``, fit. Returns the model and
    the number of training units. Units of articles in ``exclude`` are never trained on, also
    when an older label file still refers to them.

    ``annotations``: gold-format file(s) of hand-annotated corpus articles, each read against
    its texts folder in ``annotation_texts`` (same order; default: ``corpus_dir`` for every
    file); the entries of ``annotation_sets`` add hand-labelled units (``human_units``, weight
    ``human_weight``) next to their weak labels (kept: measured better than dropping them,
    LABELLING.md); every other annotated article is excluded."""
    files = [] if annotations is None else (
        [annotations] if isinstance(annotations, (str, Path)) else list(annotations))
    dirs = list(annotation_texts) or [corpus_dir] * len(files)
    if len(dirs) != len(files):
        raise ValueError(f"{len(files)} annotation file(s) but {len(dirs)} texts folder(s): give one per file")
    annotated: list[tuple[list[dict], str | Path]] = []
    for path, texts_dir in zip(files, dirs):
        entries, others = read_annotations(path, annotation_sets, texts=texts_dir)
        exclude = exclude | others
        annotated.append((entries, texts_dir))
    if relabel or not Path(labels_path).exists():
        write_labels(weak_labels(corpus_dir, exclude), labels_path)
    labels = [r for r in read_labels(labels_path) if r["article"] not in exclude]
    texts, themes = load_units(corpus_dir, labels)
    units = [Unit(r["article"], t, ts) for r, t, ts in zip(labels, texts, themes)]
    weights = [1.0] * len(units)
    for entries, texts_dir in annotated:
        hand = hand_units(texts_dir, [g for g in entries if g["id"] not in exclude])
        units += hand
        weights += [human_weight] * len(hand)
    if len(units) < 4:
        raise ValueError(f"only {len(units)} labelled units in {labels_path}: need at least 4")
    sw = weights if annotated else None
    return fit_units(units, sample_weight=sw, ngram_max=ngram_max, c=c, rule_weight=rule_weight), len(units)


def fit_units(units: list[Unit], sample_weight: list[float] | None = None, **fit_args) -> ThemeModel:
    """``fit`` over Units, with the module settings (``classify.cv --set`` varies them); the
    threshold folds are grouped by article when GROUPED_FOLDS (measured worse: data/LABELLING.md)."""
    # Read the settings now rather than as bound defaults, so that ``classify.cv --set`` can vary them.
    fit_args = {"ngram_max": NGRAM_MAX, "c": C, "rule_weight": RULE_WEIGHT, **fit_args}
    return fit([u.text for u in units], [u.themes for u in units], sample_weight=sample_weight,
               groups=[u.article for u in units] if GROUPED_FOLDS else None, **fit_args)

__all__ = ["train_themes", "fit_units", "hand_units", "Unit", "weak_labels", "read_annotations", "human_units", "evaluate_articles", "read_exclude",
           "segment_units", "fit", "evaluate", "report", "read_labels", "write_labels", "load_units"]
