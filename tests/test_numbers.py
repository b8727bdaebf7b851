"""Quantities: the number parser (properties) and a table of hard cases that grows with every bug."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from extract.numbers import cn_to_number, find_quantities, parse_number

CN_DIGITS = "零一二三四五六七八九"


def to_chinese(n: int) -> str:
    """Test oracle: 0 < n < 10**8 → Chinese numeral (一百二十, 三万零五, 十五)."""
    def below_10k(k: int) -> str:
        out, zero = "", False
        for value, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
            d, k = divmod(k, value)
            if d:
                if zero:
                    out += "零"
                out += CN_DIGITS[d] + name
                zero = False
            elif out:
                zero = True
        return out
    high, low = divmod(n, 10000)
    text = (below_10k(high) + "万" if high else "")
    if low:
        text += ("零" if high and low < 1000 else "") + below_10k(low)
    return text[1:] if text.startswith("一十") else text


@given(st.integers(min_value=1, max_value=10**9))
def test_parse_number_arabic_roundtrip(n):
    assert parse_number(str(n)) == (n, "exact")


@given(st.integers(min_value=1, max_value=10**6))
def test_parse_number_fullwidth_like_ascii(n):
    full = str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert parse_number(full) == parse_number(str(n))


@given(st.integers(min_value=1, max_value=99_999_999))
def test_cn_to_number_roundtrip(n):
    assert cn_to_number(to_chinese(n)) == n


@given(st.integers(min_value=1, max_value=99_999), st.sampled_from(["余", "多"]))
def test_over_qualifiers(n, q):
    assert parse_number(f"{n}{q}") == (n, "over")
    assert parse_number(f"{n}{q}万") == (n * 10_000, "over")


@given(st.integers(min_value=1, max_value=9999))
def test_wan_multiplies(n):
    assert parse_number(f"{n}万")[0] == n * 10_000
    assert parse_number(f"超{n}万") == (n * 10_000, "over")


@settings(max_examples=300)
@given(st.text(max_size=40))
def test_find_quantities_never_raises_and_spans_hold(s):
    for q in find_quantities(s):
        assert s[q.start:q.end] == q.span


@settings(max_examples=200)
@given(st.text(alphabet="的了和在成立开展，。、“”", max_size=15),
       st.integers(min_value=1, max_value=99_999),
       st.sampled_from(["个", "名", "支", "人次", "户", "次", "场", "件", "元", "%"]),
       st.text(alphabet="的了和在活动群众，。", max_size=15))
def test_find_quantities_in_context(a, n, unit, b):
    text = f"{a}{n}{unit}{b}"
    spans = [(q.span, q.value) for q in find_quantities(text)]
    assert (f"{n}{unit}", n) in spans
    for q in find_quantities(text):
        assert text[q.start:q.end] == q.span


def test_parse_number_rejects_words():
    with pytest.raises(ValueError):
        parse_number("党支部")


# fmt: off
CASES = [
    # text, [(span, value, unit, approx)]
    ("成立离退休党支部和党小组47个", [("47个", 47, "个", "exact")]),
    ("居民集资534萬多元", [("534萬多元", 5340000, "元", "over")]),
    ("覆盖超5万人次", [("超5万人次", 50000, "人次", "over")]),
    ("占百分之八十", [("百分之八十", 80, "%", "exact")]),
    ("两千余人次参加", [("两千余人次", 2000, "人次", "over")]),
    ("近70亩荒坡地", [("近70亩", 70, "亩", "under")]),
    ("30余万人", [("30余万人", 300000, "人", "over")]),
    ("跟着捡万把块钱!", [("万把块钱", 10000, "元", "about")]),
    ("管理人口约21万。", [("约21万", 210000, "", "about")]),
    ("租金超40萬/年的", [("超40萬/年", 400000, "", "over")]),
    ("的人约占一半", [("约占一半", 50, "%", "about")]),
    ("老同志学员上万人", [("上万人", 10000, "人", "over")]),
    ("带动近万名群众", [("近万名", 10000, "名", "under")]),
    ("受益人群达4.9万余人次", [("4.9万余人次", 49000, "人次", "over")]),
    ("成立25至30个小组", [("25至30个", 25, "个", "over")]),
    ("成立十余支队伍", [("十余支", 10, "支", "over")]),
    ("一百二十名老党员", [("一百二十名", 120, "名", "exact")]),
    ("两亩地流转", [("两亩", 2, "亩", "exact")]),
    ("占36.1%", [("36.1%", 36.1, "%", "exact")]),
    ("招募２０名志愿者", [("２０名", 20, "名", "exact")]),
    ("筹措1,200元", [("1,200元", 1200, "元", "exact")]),
    ("5部门40名老干部", [("5部门", 5, "个", "exact"), ("40名", 40, "名", "exact")]),
    ("累计志愿服务时长超360日", [("超360日", 360, "日", "over")]),
    ("超八成党员", [("超八成", 80, "%", "over")]),
    ("100人左右", [("100人左右", 100, "人", "about")]),
    ("配备1名联络员", [("1名", 1, "名", "exact")]),           # 配备: 备 is not an ICP marker
    ("其中80岁以上29人", [("29人", 29, "人", "exact")]),
    # not facts
    ("2024年,召开会议", []), ("6月7日上午", []), ("平均年龄66岁", []), ("第三支部", []),
    ("学习二十大精神", []), ("落实三会一课制度", []), ("树牢“四个意识”", []), ("“三个不放松”工作法", []),
    ("“六好”党支部", []), ("发挥“五老”作用", []), ("依托“1+8+16+59+N”的", []), ("15分钟服务圈", []),
    ("近2年解决", []), ("每周开展", []), ("49年党龄", []), ("在党50年", []), ("一个党员就是一盏灯", []),
    ("一套人马两块牌", []), ("留1—2名网格员值守", []), ("电话:13812345678个", []), ("版次:SA21", []),
    ("时间:2024-05-11 10:56", []), ("三层门面房", []), ("五级党组织", []), ("两条线", []),
    ("在六一节、端午节", []), ("一对一结对", []), ("“一老一小”", []), ("十带头", []),
    ("占36.1%70-8043人", [("36.1%", 36.1, "%", "exact")]),
    # typeset spaces between number and measure word
    ("已在 12 家企业、150 余名 党员", [("12 家", 12, "家", "exact"), ("150 余名", 150, "名", "over")]),
    ("第 3 名", []), ("2023 年", []),
    # a label word far before the number is not an identifier context
    ("受理电话求助等320余件", [("320余件", 320, "件", "over")]), ("服务热线是12345", []),
    # instruments and lengths
    ("购置手风琴6架、修建步道250米", [("6架", 6, "架", "exact"), ("250米", 250, "米", "exact")]),
    ("三级架构", []),
    # rule parameters: a size set by the rule
    ("每格按照300~600户规模划分", []), ("按50人的标准配备", []),
    # a lone Chinese numeral inside a list of counts, or summing one up after 等
    ("制定甲表、乙表等两个清单", [("两个", 2, "个", "exact")]),
    ("5个村、一个社区和8个部门", [("5个", 5, "个", "exact"), ("一个", 1, "个", "exact"), ("8个", 8, "个", "exact")]),
    ("包括学习、服务等五个板块", []), ("一个支部一个堡垒", []),
    # dev3 generalisations (hand-written)
    ("约占全县村庄的四分之一", [("四分之一", 25, "%", "exact")]),
    ("解决群众诉求20余件次", [("20余件次", 20, "件次", "over")]),
    ("建成约80平米的活动室", [("约80平米", 80, "平方米", "about")]),
    ("共有住宅楼12栋", [("12栋", 12, "栋", "exact")]),
    ("在某小区二期3栋楼下", []),                                # a building number in an address
    ("围绕4个方面制定了20项标准", [("20项", 20, "项", "exact")]),   # 项标准 is a count, 个方面 a framework
    ("单笔借款不得超过30%", []), ("每月不少于2次", []),           # limits a rule sets
    ("按8%-12%的比例提取", []),                                  # a rule's range
    ("超过30%的党员参与", [("超过30%", 30, "%", "over")]),
    # round 3: foreign money keeps its currency, magnitudes still apply; 宗 counts cases
    ("投资60亿欧元建厂", [("60亿欧元", 6000000000, "欧元", "exact")]),
    ("募集500万美元", [("500万美元", 5000000, "美元", "exact")]),
    ("捐出300港元", [("300港元", 300, "港元", "exact")]),
    ("获贷款20亿日元", [("20亿日元", 2000000000, "日元", "exact")]),
    ("化解纠纷50余宗", [("50余宗", 50, "宗", "over")]),
    # a small Chinese numeral before a person or session word counts; 一/二/两人 do not
    ("三位专家到场", [("三位", 3, "位", "exact")]),
    ("举办两场讲座", [("两场", 2, "场", "exact")]),
    ("一名党员一面旗帜", []), ("两人一起回忆", []), ("再二次核查", []), ("三位一体", []),
    # N成 is a share only as a share: not in set phrases, nor where 成 starts a word, unless
    # a share word comes first (data/tenth_idioms.tsv, the segmenter's dictionary)
    ("六成老人是党员", [("六成", 60, "%", "exact")]), ("满意率提高两成", [("两成", 20, "%", "exact")]),
    ("仅一成家庭", [("一成", 10, "%", "exact")]), ("有三成为老人", [("三成", 30, "%", "exact")]),
    ("一成不变", []), ("他有十成把握", []), ("八成新的旧家具", []), ("三成为骨干", []),
    ("五成员", []), ("第三成立", []),
]
# fmt: on


@pytest.mark.parametrize("text, expected", CASES)
def test_find_quantities_cases(text, expected):
    got = [(q.span, q.value, q.unit, q.approx) for q in find_quantities(text)]
    assert got == expected


@pytest.mark.parametrize("text, span, value, approx", [
    ("学员近 300 人次参加培训。", "近 300 人次", 300, "under"),      # typeset gap after the qualifier
    ("不足三分之一的人来自外地。", "不足三分之一", 33.33, "under"),   # a share, two decimals
])
def test_typeset_qualifier_and_fraction(text, span, value, approx):
    from extract.numbers import find_quantities

    found = [(q.span if hasattr(q, "span") else text[q.start:q.end], q.value, q.approx)
             for q in find_quantities(text)]
    assert (span, value, approx) in found


# --- decline rules as data (data/decline_rules.tsv) and the cases a new user met ---

@pytest.mark.parametrize("text, spans", [
    ("七八十名党员参加", [("七八十名", 70, "over")]),
    ("共有三四十人报名", [("三四十人", 30, "over")]),
    ("组建两三个小组", [("两三个", 2, "over")]),
    ("讲座持续1个小时", []),
    ("宣讲1个多小时", []),
    ("推动三次产业融合", []),
    ("时间为10月1日至7日", []),
    ("服务时间30年来从未间断", []),
    ("二〇二四年", []),
    ("志愿服务时长超360日", [("超360日", 360, "over")]),
])
def test_user_reported_cases(text, spans):
    assert [(q.span, q.value, q.approx) for q in find_quantities(text)] == spans


def test_every_decline_rule_is_well_formed_and_fires_on_its_example():
    from extract.numbers import decline_rules

    rules = decline_rules()
    assert len({r.name for r in rules}) == len(rules)
    for rule in rules:
        assert rule.numeral in ("any", "arabic", "chinese")
        assert rule.test in ("always", "num", "before", "before_num", "after", "check")
        assert rule.example


@pytest.mark.parametrize("text, rule", [
    ("第3批", "ordinal"), ("热线12345人", "id_context"), ("10月1日", "day_of_month"),
    ("讲了1个小时", "hours_as_count"), ("三次产业", "set_phrase_after"), ("编号SA21个", "glued_left"),
    ("按500人规模", "parameter"), ("留1—2名干部值班", "range_parameter"),
])
def test_declined_by_names_the_rule(text, rule):
    from extract.numbers import _quantity_re, _unit_at, declined_by

    reasons = {declined_by(text, m, _unit_at(text, m)) for m in _quantity_re().finditer(text)}
    assert rule in reasons


def test_read_tsv_lives_in_tables_and_skips_comments(tmp_path):
    from extract.tables import read_tsv

    path = tmp_path / "t.tsv"
    path.write_text("# a comment\nword\tnote\n党员\tx\n", encoding="utf-8")
    assert read_tsv(path) == [{"word": "党员", "note": "x"}]
