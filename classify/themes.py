"""Themes for practices and articles: a small linear model, with keyword rules as fallback.

Contracts: ``classify_text(text) -> tuple[str, ...]`` (one practice item: its dominant theme
and a second one only when the item is about both, at most two);
``assign_themes(article, analysis) -> Analysis`` (practice themes, then article themes as the
union of its practices' themes in order of first appearance; an article without practices is
themed from its printed title and body, ``body_text``; a title that is only the lead sentence,
``title_origin == "lead"``, is never weighted as a headline).

The model (``classify/data/theme_model.json.gz``, built by ``classify.train`` /
``wrmine train-themes``, on keyword-rule labels and hand annotations: data/LABELLING.md) is
TF-IDF over character 1–2-grams, lead-clause bigrams and lexicon hits, with one logistic
regression per theme and a threshold per theme. It is stored as plain coefficients so
that prediction needs neither pickle nor scikit-learn: ``featurize`` here is also the analyzer
the trainer hands to ``TfidfVectorizer``, so both sides compute the same vector.

>>> classify_text("一是建好老党员之家。整合闲置场所，建成活动室12个。")
('阵地建设',)
"""
from __future__ import annotations

import csv
import functools
import gzip
import json
import logging
import math
import re
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from corpus.article import Article
from corpus.markers import marker_source
from corpus.script import simplify
from extract.analysis import THEMES, Analysis, Practice
from extract.cache import cached

logger = logging.getLogger(__name__)

DATA_DIR = Path(__file__).parent / "data"
MODEL_PATH = DATA_DIR / "theme_model.json.gz"
KEYWORDS_PATH = DATA_DIR / "theme_keywords.tsv"

# Characters that carry meaning: CJK runs and Latin words (APP, QQ); digits and
# punctuation only add noise to n-grams.
RE_TOKEN = re.compile(r"[\u4e00-\u9fff]+|[A-Za-z]+")
# The lead clause of an item: its heading or first clause (一是建好老党员之家。…).
RE_LEAD = re.compile(r"[^。；;！!？?：:\n]{1,40}")
# Item markers at the start of a practice, dropped from the lead clause (they say nothing).
RE_MARKER = re.compile(r"^\s*(?:" + marker_source(capture=False) + r")\s*")
# A practice span shorter than this is only its heading: extend it to the end of the item.
MIN_ITEM_CHARS = 40
# Rule labeller: a heading hit counts this many times a body hit; one keyword counts at most
# CAP times (a long item repeating 党员 should not outvote its heading).
TITLE_WEIGHT = 3.0
CAP = 3
MIN_RULE_SCORE = 2.0
SECOND_RULE_RATIO = 0.75
MAX_PRACTICE_THEMES = 2
# Gold convention: an article theme not carried by any practice is added when the title or
# lead paragraph states it as the article's aim. The lead is the title plus at most LEAD_CHARS
# of body before the first practice; its dominant rule theme is added only with a clear score
# (≥ LEAD_RULE_SCORE, i.e. a heading-weighted specific keyword or several body hits). Measured
# on seeds + dev + dev2 (LABELLING.md): article F1 0.883 → 0.889, no set worse.
LEAD_CHARS = 200
LEAD_RULE_SCORE = 6.0


# --- features -----------------------------------------------------------------------------

def lead_clause(text: str) -> str:
    """The heading or first clause of an item, without its marker.

    >>> lead_clause("二是加强同频共振。以党员联络服务站…")
    '加强同频共振'
    """
    m = RE_LEAD.search(RE_MARKER.sub("", text, count=1))
    return m.group(0).strip() if m else ""


def featurize(text: str, ngram_max: int = 3, keywords: bool = True, rules: bool = False) -> list[str]:
    """Feature strings of a simplified text: character 1..n-grams inside CJK runs, lowercased
    Latin words, and ``^``-prefixed bigrams of the lead clause (headings decide the theme).

    >>> featurize("建好之家", 2)[:7]
    ['建', '好', '之', '家', '建好', '好之', '之家']
    """
    feats: list[str] = []
    for run in RE_TOKEN.findall(text):
        if run.isascii():
            feats.append(run.lower())
            continue
        for n in range(1, ngram_max + 1):
            feats += [run[i:i + n] for i in range(len(run) - n + 1)]
    lead = lead_clause(text)
    for run in RE_TOKEN.findall(lead):
        feats.extend("^" + run[i:i + 2] for i in range(len(run) - 1))
    if keywords:
        # Lexicon hits as features of their own: the labelling rules' words, including
        # 4-character ones (志愿服务, 基层治理) that no n-gram covers.
        for word, n in keyword_hits(text).items():
            feats.extend(["#" + word] * n)
        for word in keyword_hits(lead):
            feats.append("^#" + word)
    if rules:
        # The keyword rules' verdict as evidence the regression weighs (rather than a fixed
        # prior): ``@theme`` once per point of rule score, so sublinear tf gives 1 + log(score).
        for theme, score in rule_scores(text).items():
            feats.extend(["@" + theme] * int(round(score)))
    return feats


@functools.lru_cache(maxsize=256)
def keyword_hits(text: str) -> Counter:
    """Occurrences of every lexicon keyword in ``text`` (as ``str.count`` would give, for all
    keywords at once): one regex pass finds the longest keyword at each position, and the
    keywords that are its prefixes (志愿 in 志愿服务) start there too.

    >>> sorted(keyword_hits("志愿服务队").items())
    [('志愿', 1), ('志愿服务', 1), ('服务队', 1)]
    """
    prefixes = keyword_prefixes()
    hits: Counter = Counter()
    for m in keyword_regex().finditer(text):
        hits.update(prefixes[m.group(1)])
    return hits


@functools.lru_cache(maxsize=1)
def keyword_prefixes() -> dict[str, tuple[str, ...]]:
    # Sorted, not set order: the order of the hits is the order of the features, and so of the
    # float sums in ``linear_scores``; set order would vary the last bits with PYTHONHASHSEED.
    words = sorted({w for _, w, _ in keyword_table()})
    return {w: tuple(v for v in words if w.startswith(v)) for w in words}


@functools.lru_cache(maxsize=1)
def keyword_regex() -> re.Pattern:
    words = sorted({w for _, w, _ in keyword_table()}, key=len, reverse=True)
    return re.compile("(?=(" + "|".join(map(re.escape, words)) + "))")


# --- the model ----------------------------------------------------------------------------

@dataclass(frozen=True)
class ThemeModel:
    """Linear multi-label model: sublinear TF-IDF (l2) → one score per theme.

    ``weights`` is (len(vocab), len(themes)); ``thresholds`` are per-theme cut-offs on the
    decision score. The same numbers as scikit-learn's ``TfidfVectorizer(sublinear_tf=True)`` +
    ``LogisticRegression.decision_function``.
    """

    themes: tuple[str, ...]
    vocab: dict[str, int]
    idf: np.ndarray
    weights: np.ndarray
    intercepts: np.ndarray
    thresholds: np.ndarray
    ngram_max: int = 3
    rule_weight: float = 0.0     # weight of the keyword-rule prior added to each score
    rule_features: bool = False  # ``featurize(rules=True)``: the rule scores are features too

    def scores(self, text: str) -> np.ndarray:
        """Decision score per theme for one simplified text."""
        return self.linear_scores(text) + self.rule_weight * self.prior(text)

    def linear_scores(self, text: str) -> np.ndarray:
        """The logistic regressions' decision scores alone."""
        # Count everything at C speed, then keep the known features: far fewer lookups than
        # testing every occurrence against the vocabulary.
        vocab = self.vocab
        counts = {f: c for f, c in Counter(featurize(text, self.ngram_max, rules=self.rule_features)).items() if f in vocab}
        if not counts:
            return self.intercepts.copy()
        idx = np.fromiter((self.vocab[f] for f in counts), dtype=np.int64, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        vals = (1.0 + np.log(tf)) * self.idf[idx]
        vals /= math.sqrt(float(vals @ vals)) or 1.0
        return vals @ self.weights[idx] + self.intercepts

    def prior(self, text: str) -> np.ndarray:
        if not self.rule_weight:
            return np.zeros(len(self.themes))
        r = rule_scores(text)
        return np.array([r[t] for t in self.themes])

    def to_json(self) -> dict:
        terms = sorted(self.vocab, key=self.vocab.get)
        return {
            "format": "wrmine-theme-model/1",
            "themes": list(self.themes),
            "ngram_max": self.ngram_max,
            "rule_weight": self.rule_weight,
            **({"rule_features": True} if self.rule_features else {}),
            "terms": terms,
            "idf": [round(float(v), 4) for v in self.idf],
            "weights": [[round(float(v), 3) for v in row] for row in self.weights],
            "intercepts": [round(float(v), 4) for v in self.intercepts],
            "thresholds": [round(float(v), 4) for v in self.thresholds],
        }

    @classmethod
    def from_json(cls, data: dict) -> "ThemeModel":
        if data.get("format") != "wrmine-theme-model/1":
            raise ValueError(f"Unknown theme model format {data.get('format')!r}; "
                             "rebuild it with `wrmine train-themes --corpus DIR`")
        return cls(
            themes=tuple(data["themes"]),
            vocab={t: i for i, t in enumerate(data["terms"])},
            idf=np.asarray(data["idf"], dtype=np.float64),
            weights=np.asarray(data["weights"], dtype=np.float64).reshape(len(data["terms"]), -1),
            intercepts=np.asarray(data["intercepts"], dtype=np.float64),
            thresholds=np.asarray(data["thresholds"], dtype=np.float64),
            ngram_max=int(data["ngram_max"]),
            rule_weight=float(data.get("rule_weight", 0.0)),
            rule_features=bool(data.get("rule_features", False)),
        )


def save_model(model: ThemeModel, path: Path = MODEL_PATH) -> None:
    """Write the model as gzipped JSON; mtime 0 so that the same model gives the same bytes."""
    data = json.dumps(model.to_json(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    with open(path, "wb") as fh, gzip.GzipFile(fileobj=fh, mode="wb", mtime=0, filename="") as gz:
        gz.write(data)


@functools.lru_cache(maxsize=4)
def load_model(path: Path = MODEL_PATH) -> ThemeModel | None:
    """The shipped model, or None (with a warning) when it is missing: callers fall back to rules."""
    try:
        # Parsing the JSON into arrays costs 0.15 s, a sixth of a one-file predict: the arrays
        # come from the start-up cache (extract.cache, keyed by the file's bytes) when they can.
        return cached("theme-model", (path,), lambda: _read_model(path), versions=("numpy", np.__version__))
    except FileNotFoundError:
        logger.warning("theme model %s missing: using the keyword rules "
                       "(rebuild with `wrmine train-themes --corpus DIR`)", path)
        return None


def _read_model(path: Path) -> ThemeModel:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return ThemeModel.from_json(json.load(fh))


def pick_practice(model: ThemeModel, scores: np.ndarray) -> tuple[str, ...]:
    """Dominant theme always; a second one only when its score also clears its threshold."""
    order = np.argsort(-scores)
    themes = [model.themes[order[0]]]
    second = order[1]
    if scores[second] >= model.thresholds[second]:
        themes.append(model.themes[second])
    return tuple(themes[:MAX_PRACTICE_THEMES])


def pick_body(model: ThemeModel, scores: np.ndarray) -> tuple[str, ...]:
    """The best-scored themes, as many as clear their own thresholds (at least one).

    The thresholds count well (how many themes an article has) but pick worse than the scores:
    a theme just under its cut-off and scored above one just over its own is the better guess.
    Article-grouped CV, three splits: themes_F1 +0.005 to +0.011, both cross-set tests +0.006
    (data/LABELLING.md). Best first.
    """
    n = max(1, int((scores >= model.thresholds).sum()))
    return tuple(model.themes[i] for i in np.argsort(-scores, kind="stable")[:n])


# --- keyword rules (weak labels for training; fallback without a model) --------------------

@functools.lru_cache(maxsize=1)
def keyword_table() -> tuple[tuple[str, str, float], ...]:
    """(theme, keyword, weight) rows of ``data/theme_keywords.tsv``."""
    with open(KEYWORDS_PATH, encoding="utf-8", newline="") as fh:
        rows = tuple((r["theme"], r["keyword"], float(r["weight"]))
                     for r in csv.DictReader(fh, delimiter="\t"))
    unknown = {t for t, _, _ in rows} - set(THEMES)
    if unknown:
        raise ValueError(f"Unknown theme(s) {sorted(unknown)} in {KEYWORDS_PATH}. Themes: {', '.join(THEMES)}")
    return rows


def rule_scores(text: str) -> dict[str, float]:
    """Keyword score per theme: heading hits weigh TITLE_WEIGHT, each keyword capped at CAP.

    Overlapping keywords both count (志愿服务 and 志愿): the weights were set with that in mind.
    """
    hits, lead_hits = keyword_hits(text), keyword_hits(lead_clause(text))
    scores = dict.fromkeys(THEMES, 0.0)
    for word, n in hits.items():
        for theme, weight in keyword_weights()[word]:
            scores[theme] += weight * (min(n, CAP) + (TITLE_WEIGHT - 1) * (word in lead_hits))
    return scores


@functools.lru_cache(maxsize=1)
def keyword_weights() -> dict[str, tuple[tuple[str, float], ...]]:
    out: dict[str, list] = {}
    for theme, word, weight in keyword_table():
        out.setdefault(word, []).append((theme, weight))
    return {w: tuple(v) for w, v in out.items()}


def label_by_rules(text: str, min_score: float = MIN_RULE_SCORE) -> tuple[str, ...]:
    """Dominant theme by keyword score, plus a second within SECOND_RULE_RATIO of it; () when
    no theme reaches ``min_score``.

    >>> label_by_rules("组建志愿服务队，开展助老志愿活动。")
    ('志愿服务',)
    """
    scores = rule_scores(text)
    ranked = sorted(THEMES, key=lambda t: -scores[t])
    top, second = ranked[0], ranked[1]
    if scores[top] < min_score:
        return ()
    if scores[second] >= max(min_score, SECOND_RULE_RATIO * scores[top]):
        return (top, second)
    return (top,)


# --- the stage ----------------------------------------------------------------------------

def classify_text(text: str, model: ThemeModel | None = None) -> tuple[str, ...]:
    """Themes of one practice item (simplified text): dominant theme, and a second at most."""
    model = model or load_model()
    if model is None:
        return label_by_rules(text, min_score=0.5)
    return pick_practice(model, model.scores(text))


def classify_body(text: str, model: ThemeModel | None = None) -> tuple[str, ...]:
    """Themes of a whole article body without practices (multi-label, per-theme thresholds)."""
    model = model or load_model()
    if model is None:
        return label_by_rules(text, min_score=0.5)
    return pick_body(model, model.scores(text))


def practice_text(plain: str, practices: tuple[Practice, ...], i: int) -> str:
    """The item of practice ``i``: its span, extended to the next practice or the end of its
    paragraph when the span holds only the heading."""
    p = practices[i]
    if p.end - p.start >= MIN_ITEM_CHARS:
        return plain[p.start:p.end]
    stop = plain.find("\n", p.end)
    stop = len(plain) if stop < 0 else stop
    if len(plain[p.end:stop].strip()) < 5 and stop < len(plain):
        # A heading on a line of its own: the item is the paragraph below it.
        nxt = plain.find("\n", stop + 1)
        stop = len(plain) if nxt < 0 else nxt
    if i + 1 < len(practices) and p.start < practices[i + 1].start < stop:
        stop = practices[i + 1].start
    return plain[p.start:max(stop, p.end)]


def assign_themes(article: Article, analysis: Analysis, model: ThemeModel | None = None) -> Analysis:
    """The analysis with themes on each practice and on the article (``model``: the shipped one
    unless given)."""
    plain = article.plain
    practices = tuple(replace(p, themes=classify_text(practice_text(plain, analysis.practices, i), model))
                      for i, p in enumerate(analysis.practices))
    themes: list[str] = []
    for p in practices:
        themes += [t for t in p.themes if t not in themes]
    if not themes and plain.strip():
        themes = list(classify_body(body_text(article), model))
    elif practices:
        themes += [t for t in lead_themes(article, practices[0].start) if t not in themes]
    return replace(analysis, practices=practices, themes=tuple(themes))


def lead_themes(article: Article, first_practice: int) -> tuple[str, ...]:
    """The aim stated by the title and lead paragraph: its dominant keyword-rule theme when that
    scores at least LEAD_RULE_SCORE, else ().

    >>> lead_themes(Article("x", "为推动老党员参与基层治理，发挥调解作用，我们做了以下工作。"), 30)
    ('基层治理',)
    """
    lead = article.plain[:min(first_practice, LEAD_CHARS)]
    title = printed_title(article)
    if title:
        lead = title + "。" + lead
    return label_by_rules(lead, min_score=LEAD_RULE_SCORE)[:1]


def printed_title(article: Article) -> str:
    """The simplified title when the page printed one; "" when the title is only the lead
    sentence (``title_origin == "lead"``: it is already the body's first words, and weighting it
    as a heading would count it twice) or missing.

    >>> printed_title(Article("x", "近日，某社区组织老党员开展志愿服务。", title="近日，某社区组织老党员开展志愿服务", title_origin="lead"))
    ''
    """
    if not article.title or article.title_origin == "lead":
        return ""
    return simplify(article.title)


def body_text(article: Article) -> str:
    """What a practice-less article is themed from: its printed title, then the body. The title
    comes first so that ``featurize`` reads it as the lead clause (``^`` features) and the rules
    as the heading: a headline names what the article is about.

    >>> body_text(Article("x", "组建志愿服务队。", title="银发志愿者在行动", title_origin="text"))
    '银发志愿者在行动。组建志愿服务队。'
    """
    title = printed_title(article)
    return f"{title}。{article.plain}" if title else article.plain
