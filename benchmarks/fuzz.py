"""Fuzz the text paths with generated and mutated inputs: zero crashes, no input slower than 1 s.

Targets (each input goes through one, chosen in turn):

- ``body``: ``corpus.clean.extract_body(bytes)`` — never raises;
- ``clean``: ``corpus.clean.clean_text(str)`` — never raises;
- ``numbers``: ``extract.numbers.find_quantities(str)`` (never raises) and ``parse_number`` on
  numeral-like pieces (ValueError "Not a number" is its documented answer);
- ``predict``: ``corpus.clean.article_from_text`` + ``extract.pipeline.analyse`` — may decline
  with ``corpus.errors.BadInput`` / ``NotAnArticle``, nothing else.

Any other exception is a crash; a call over ``--slow`` seconds (default 1) is a hang, the budget
growing linearly past 60 KB (about a 20 K-character article): linear cost on a huge input is
not a hang, super-linear cost is. Inputs
start from the hand-written seeds in ``benchmarks/fuzz_seeds/`` and are mutated (truncations,
byte flips, NULs, splices, repeats, mixed encodings) or generated (deep HTML nesting, very long
lines without punctuation, pathological numerals such as 一万万万…, 九九九…, 1.1.1.1…), up to
about 100 K characters (a long article is 20 K; cost beyond that grows linearly).
Strings never hold lone surrogates: every reader decodes bytes with replacement, so no real
input can. Deterministic for a given ``--seed``.

    python benchmarks/fuzz.py [--n 10000] [--seed 1] [--target all] [--slow 1.0] [--save DIR]
    python benchmarks/fuzz.py --atheris -- -runs=20000 -timeout=1 /tmp/fuzz-corpus benchmarks/fuzz_seeds

The second form hands the same targets to atheris (coverage-guided libFuzzer; ``pip install
atheris``): the first byte of each input picks the target. libFuzzer adds the inputs it finds to
the first folder given, so give it a scratch folder before the seeds.

Prints counts per target, the crashes (first line of each distinct one), the slowest input per
target, and exits 1 when there was a crash or a hang. ``--save`` writes the failing inputs.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEEDS_DIR = Path(__file__).parent / "fuzz_seeds"
BUDGET_BYTES = 60_000   # inputs up to this size get the plain --slow budget
TARGETS = ("body", "clean", "numbers", "predict")

CJK = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严"
PUNCT = "，。、；：！？“”（）《》——…"
NUMERAL_ATOMS = ("一", "二", "两", "三", "九", "十", "百", "千", "万", "萬", "亿", "億", "〇", "零", "余", "多",
                 "点", "分之", "百分之", "成", "1", "9", "0", ".", ",", "，", "%", "％", "１", "９", "．",
                 "-", "至", "~", "约", "近", "超", "逾", "个", "人次", "元", "万元", "支", "项", "名")
HTML_TAGS = ("div", "p", "span", "table", "tr", "td", "ul", "li", "a", "b", "font", "script", "style",
             "iframe", "h1", "br", "center", "section", "article", "pre", "textarea", "noscript")


def load_seeds() -> list[bytes]:
    seeds = [p.read_bytes() for p in sorted(SEEDS_DIR.iterdir()) if p.is_file()]
    if not seeds:
        raise SystemExit(f"no seed files in {SEEDS_DIR}")
    return seeds


# --- Mutators: bytes -> bytes ------------------------------------------------------------------

def truncate(rng: random.Random, data: bytes) -> bytes:
    return data[:rng.randrange(len(data) + 1)]


def flip_bytes(rng: random.Random, data: bytes) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, max(1, len(buf) // 20))):
        if buf:
            buf[rng.randrange(len(buf))] ^= 1 << rng.randrange(8)
    return bytes(buf)


def insert_nuls(rng: random.Random, data: bytes) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 30)):
        buf.insert(rng.randrange(len(buf) + 1), 0)
    return bytes(buf)


def splice(rng: random.Random, data: bytes, other: bytes) -> bytes:
    return data[:rng.randrange(len(data) + 1)] + other[rng.randrange(len(other) + 1):]


def repeat(rng: random.Random, data: bytes) -> bytes:
    return data * rng.randint(2, 20)


def mixed_encodings(rng: random.Random, data: bytes) -> bytes:
    """Pieces of the text re-encoded in other codecs, as pages glued from several sources are."""
    text = data.decode("utf-8", "replace")
    out, pos = [], 0
    while pos < len(text):
        step = rng.randint(1, 80)
        piece = text[pos:pos + step]
        codec = rng.choice(("utf-8", "gb18030", "big5", "utf-16-le", "latin-1", "shift_jis"))
        out.append(piece.encode(codec, "replace"))
        pos += step
    return b"".join(out)


def control_chars(rng: random.Random, data: bytes) -> bytes:
    text = data.decode("utf-8", "replace")
    junk = ("\r", "\r\n", "\x0b", "\x0c", "\u2028", "\u2029", "\u200b", "\ufeff", "\u3000", "\xa0",
            "\x85", "\x1b", "\ufffd", "\t" * 50, "\n" * 30, " " * 200)
    chars = list(text)
    for _ in range(rng.randint(1, 40)):
        chars.insert(rng.randrange(len(chars) + 1), rng.choice(junk))
    return "".join(chars).encode("utf-8")


# --- Generators: -> str -------------------------------------------------------------------------

def deep_html(rng: random.Random) -> str:
    depth = rng.choice((10, 100, 1000, 10000))
    tag = rng.choice(HTML_TAGS)
    close = rng.random() < 0.5
    inner = "".join(rng.choice(CJK) for _ in range(200)) + "共组建队伍56支。"
    return f"<{tag}>" * depth + inner + (f"</{tag}>" * depth if close else "")


def long_line(rng: random.Random) -> str:
    n = rng.choice((2_000, 10_000, 50_000))
    alphabet = rng.choice((CJK, CJK + "0123456789", "万亿千百十一二三", "ab", CJK + "的"))
    return "".join(rng.choice(alphabet) for _ in range(n))


def pathological_numeral(rng: random.Random) -> str:
    n = rng.choice((10, 100, 1000, 5000, 20000))
    kind = rng.randrange(9)
    if kind == 0:
        s = "一" + "万" * n
    elif kind == 1:
        s = "九" * n
    elif kind == 2:
        s = "1." * n + "1"
    elif kind == 3:
        s = "9" * n
    elif kind == 4:
        s = "百分之" + "九" * n + "点" + "五" * n
    elif kind == 5:
        s = "1," * n + "000"
    elif kind == 6:   # numeral soup at article density: a few hundred figures at most
        s = "".join(rng.choice(NUMERAL_ATOMS) for _ in range(min(n, 600)))
    elif kind == 7:
        s = "约" * n + "30余万"
    else:
        s = "１２３４５６７８９０" * (n // 10 + 1) + "万元"
    before = "".join(rng.choice(CJK) for _ in range(rng.randint(0, 30)))
    return f"{before}{s}{rng.choice(('人', '个', '万元', '', '支队伍', '%'))}。"


def random_text(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(1, 60)):
        r = rng.random()
        if r < 0.5:
            parts.append("".join(rng.choice(CJK) for _ in range(rng.randint(1, 40))))
        elif r < 0.75:
            parts.append("".join(rng.choice(NUMERAL_ATOMS) for _ in range(rng.randint(1, 8))))
        elif r < 0.9:
            parts.append(rng.choice(PUNCT))
        else:
            parts.append(rng.choice(("\n", "\n\n", " ", "<p>", "</p>", "&nbsp;", "&#12345;", "&#99999999;",
                                     "<!--", "-->", "<![CDATA[", "<", ">", "&", "\\", "\"", "'")))
    return "".join(parts)


def random_unicode(rng: random.Random) -> str:
    out = []
    for _ in range(rng.randint(1, 400)):
        cp = rng.randrange(0x110000)
        if 0xD800 <= cp <= 0xDFFF:
            continue
        out.append(chr(cp))
    return "".join(out)


def make_input(rng: random.Random, seeds: list[bytes]) -> tuple[str, bytes]:
    """(how it was made, bytes) — str targets decode the bytes as UTF-8 with replacement."""
    seed = rng.choice(seeds)
    r = rng.random()
    if r < 0.45:
        mutator = rng.choice((truncate, flip_bytes, insert_nuls, repeat, mixed_encodings, control_chars))
        data = mutator(rng, seed)
        if rng.random() < 0.3:   # stacked mutations
            data = rng.choice((truncate, flip_bytes, insert_nuls))(rng, data)
        return mutator.__name__, data
    if r < 0.55:
        return "splice", splice(rng, seed, rng.choice(seeds))
    generator = rng.choice((deep_html, long_line, pathological_numeral, pathological_numeral,
                            random_text, random_text, random_unicode))
    text = generator(rng)
    if rng.random() < 0.3:   # inside an otherwise normal article
        host = rng.choice(seeds).decode("utf-8", "replace")
        cut = rng.randrange(len(host) + 1)
        text = host[:cut] + text + host[cut:]
    return generator.__name__, text.encode("utf-8", "surrogatepass")


# --- Targets -------------------------------------------------------------------------------------

def run_target(target: str, data: bytes) -> None:
    """Run one input through one target; raises only on a crash (an undocumented exception)."""
    from corpus.clean import article_from_text, clean_text, extract_body
    from corpus.errors import BadInput, NotAnArticle
    from extract.numbers import RE_NUMBER, find_quantities, parse_number
    from extract.pipeline import analyse

    if target == "body":
        out = extract_body(data)
        assert isinstance(out, str)
        return
    text = data.decode("utf-8", "replace")
    if target == "clean":
        assert isinstance(clean_text(text), str)
    elif target == "numbers":
        for q in find_quantities(text):
            assert text[q.start:q.end] == q.span, (q.start, q.end, q.span)
        for m in RE_NUMBER.finditer(text[:20_000]):
            try:
                parse_number(m.group(0))
            except ValueError as exc:
                if not str(exc).startswith("Not a number"):
                    raise
    elif target == "predict":
        try:
            article = article_from_text("fuzz", text)
        except (BadInput, NotAnArticle):
            return
        analysis = analyse(article)
        for fact in analysis.facts:
            assert article.text[fact.start:fact.end] == fact.span
    else:
        raise ValueError(f"Unknown target {target!r}. Targets: {', '.join(TARGETS)}")


def fuzz(n: int, seed: int, targets: tuple[str, ...], slow: float, save: Path | None = None,
         log=print) -> dict:
    """Run ``n`` inputs; returns {"counts", "crashes", "hangs", "slowest", "slowest_small"}."""
    rng = random.Random(seed)
    seeds = load_seeds()
    run_target("predict", seeds[0])     # load models and tables before timing
    counts = {t: 0 for t in targets}
    slowest = {t: (0.0, "") for t in targets}
    slowest_small = {t: (0.0, "") for t in targets}   # among inputs within BUDGET_BYTES
    crashes: dict[str, tuple[str, str, bytes]] = {}
    hangs: list[tuple[str, float, str, bytes]] = []
    for i in range(n):
        target = targets[i % len(targets)]
        how, data = make_input(rng, seeds)
        started = time.perf_counter()
        try:
            run_target(target, data)
        except Exception as exc:  # noqa: BLE001 - a fuzzer records every crash and goes on
            tb = traceback.extract_tb(exc.__traceback__)[-1]
            key = f"{target}: {type(exc).__name__} at {Path(tb.filename).name}:{tb.lineno}"
            if key not in crashes:
                crashes[key] = (how, f"{type(exc).__name__}: {str(exc)[:200]}", data)
                log(f"CRASH #{len(crashes)} input {i} ({how}, {len(data)} bytes) {key}: {str(exc)[:200]}")
        elapsed = time.perf_counter() - started
        counts[target] += 1
        if elapsed > slowest[target][0]:
            slowest[target] = (elapsed, f"input {i} ({how}, {len(data)} bytes)")
        if len(data) <= BUDGET_BYTES and elapsed > slowest_small[target][0]:
            slowest_small[target] = (elapsed, f"input {i} ({how}, {len(data)} bytes)")
        if elapsed > slow * max(1.0, len(data) / BUDGET_BYTES):
            hangs.append((target, elapsed, how, data))
            log(f"SLOW input {i} {target} ({how}, {len(data)} bytes): {elapsed:.2f} s")
    if save:
        save.mkdir(parents=True, exist_ok=True)
        for j, (key, (how, _, data)) in enumerate(crashes.items()):
            (save / f"crash-{j}-{how}.bin").write_bytes(data)
        for j, (target, _, how, data) in enumerate(hangs):
            (save / f"slow-{j}-{target}-{how}.bin").write_bytes(data)
    return {"counts": counts, "crashes": crashes, "hangs": hangs, "slowest": slowest,
            "slowest_small": slowest_small}


def run_atheris(libfuzzer_args: list[str]) -> None:
    """Coverage-guided fuzzing of the same targets; a crash stops libFuzzer with the input."""
    import atheris

    with atheris.instrument_imports():
        import corpus.clean  # noqa: F401
        import corpus.html  # noqa: F401
        import extract.numbers  # noqa: F401
        import extract.pipeline  # noqa: F401

    def one_input(data: bytes) -> None:
        if data:
            run_target(TARGETS[data[0] % len(TARGETS)], data[1:])

    for target in TARGETS:   # load tables and models first: a cold start is not a hang
        run_target(target, load_seeds()[0])
    if not any(a.startswith("-artifact_prefix=") for a in libfuzzer_args):
        # Crashing inputs go to a scratch folder, not into the checkout.
        libfuzzer_args = [f"-artifact_prefix={tempfile.gettempdir()}/wrmine-fuzz-", *libfuzzer_args]
    atheris.Setup([sys.argv[0], *libfuzzer_args], one_input)
    atheris.Fuzz()


def main() -> None:
    if "--atheris" in sys.argv:
        rest = sys.argv[sys.argv.index("--atheris") + 1:]
        run_atheris(rest[1:] if rest[:1] == ["--"] else rest)
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="inputs to run (default 10000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--target", choices=("all",) + TARGETS, default="all")
    parser.add_argument("--slow", type=float, default=1.0, help="seconds after which an input is a hang")
    parser.add_argument("--save", type=Path, help="folder to write crashing and slow inputs to")
    args = parser.parse_args()
    targets = TARGETS if args.target == "all" else (args.target,)
    started = time.perf_counter()
    result = fuzz(args.n, args.seed, targets, args.slow, args.save)
    total = time.perf_counter() - started
    print(f"\nfuzzed {sum(result['counts'].values())} inputs in {total:.0f} s (seed {args.seed})")
    for t in targets:
        secs, which = result["slowest"][t]
        small, which_small = result["slowest_small"][t]
        print(f"  {t:<8} {result['counts'][t]:>6} inputs, slowest {secs:.3f} s ({which}); "
              f"within {BUDGET_BYTES // 1000} KB {small:.3f} s ({which_small})")
    print(f"crashes: {len(result['crashes'])} distinct; inputs over {args.slow:g} s "
          f"(per {BUDGET_BYTES // 1000} KB): {len(result['hangs'])}")
    for key, (how, message, _) in result["crashes"].items():
        print(f"  {key} [{how}] {message}")
    sys.exit(1 if result["crashes"] or result["hangs"] else 0)


if __name__ == "__main__":
    main()
