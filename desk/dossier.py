"""Dossiers for editors: the articles matching a set of filters, one section each (title,
outlet, date, place, a table of key figures, the practices, a short excerpt, the source URL)
after a summary table, as Word, Excel, Markdown, HTML or CSV.

    from desk.dossier import write_dossier
    write_dossier("reports.db", "党建引领.docx", "docx", query="党建引领基层治理", region="湖南")

The filters are those of the desk's search page (``desk.query.FILTERS``): query, region,
year, theme, metric, source, ids. Reposts are left out (their original stands for them,
with the other outlets listed).
"""
from __future__ import annotations

import csv
import io
import re
import sqlite3
from datetime import datetime, timezone
from html import escape
from pathlib import Path

from desk import query
from desk.chart import number

FORMATS = ("docx", "xlsx", "md", "html", "csv")
DOSSIER_LIMIT = 500
KEY_FIGURES = 15
EXCERPT_CHARS = 200
# Word on a Chinese Windows always has these; Latin text keeps the template's font.
BODY_FONT_CJK = "宋体"
HEADING_FONT_CJK = "黑体"
FILTER_LABELS = {"query": "检索词", "region": "地区", "year": "年份", "theme": "主题", "metric": "指标",
                 "source": "来源媒体", "ids": "文章编号"}
RE_SENTENCE_END = re.compile(r"[。!?;!?]")


def write_dossier(db, out_path, fmt: str | None = None, limit: int = DOSSIER_LIMIT, **filters) -> int:
    """Write the dossier of the articles matching ``filters`` to ``out_path`` (a path or a
    binary file object) in ``fmt`` (docx, xlsx, md, html, csv; default: the path's suffix).
    ``db`` is a database path, a ``sqlite_utils.Database`` or a ``sqlite3.Connection``; it is
    only read. Returns the number of articles written (at most ``limit``).

    >>> write_dossier(":memory:", "x.pdf")
    Traceback (most recent call last):
    ...
    ValueError: Unknown dossier format 'pdf'. Formats: docx, xlsx, md, html, csv
    """
    if fmt is None and isinstance(out_path, (str, Path)):
        fmt = Path(out_path).suffix.lstrip(".").lower()
    if fmt not in FORMATS:
        raise ValueError(f"Unknown dossier format {fmt!r}. Formats: {', '.join(FORMATS)}")
    unknown = set(filters) - set(query.FILTERS)
    if unknown:
        raise ValueError(f"Unknown filter(s) {sorted(unknown)}. Filters: {', '.join(query.FILTERS)}")
    conn, owned = connection(db)
    try:
        dossier = build_dossier(conn, limit=limit, **query.clean_filters(filters))
    finally:
        if owned:
            conn.close()
    if isinstance(out_path, (str, Path)):
        with open(out_path, "wb") as fh:
            render_dossier(dossier, fh, fmt)
    else:
        render_dossier(dossier, out_path, fmt)
    return len(dossier["articles"])


def connection(db) -> tuple[sqlite3.Connection, bool]:
    """(read connection, whether we opened it and must close it)."""
    if isinstance(db, sqlite3.Connection):
        return db, False
    if hasattr(db, "conn"):          # sqlite_utils.Database
        return db.conn, False
    return query.open_readonly(str(db)), True


def build_dossier(conn, limit: int = DOSSIER_LIMIT, **filters) -> dict:
    """The dossier's content as plain data, in search order (best match first)."""
    total, ids, _ = query.search_ids(conn, limit=limit, **filters)
    articles = []
    for n, article_id in enumerate(ids, 1):
        a = query.rows(conn, "SELECT id, title, source, published, url, province, city, county, town, text "
                             "FROM articles WHERE id = ?", [article_id])[0]
        facts = query.article_facts(conn, article_id)
        if filters.get("metric"):
            facts = [f for f in facts if f["metric"] == filters["metric"]]
        # "other" figures (counts of unnamed things) make way for the named metrics first.
        keep = sorted(facts, key=lambda f: (f["metric"] == "other", f["start"]))[:KEY_FIGURES]
        a["facts"] = sorted(keep, key=lambda f: f["start"])
        a["practices"] = query.article_practices(conn, article_id)
        a["themes"] = [r[0] for r in conn.execute(
            "SELECT theme FROM article_themes WHERE article_id = ? ORDER BY rank", [article_id])]
        a["outlets"] = sorted({r[0] for r in conn.execute(
            "SELECT source FROM article_sources WHERE article_id = ? AND source IS NOT NULL "
            "UNION SELECT source FROM articles WHERE duplicate_of = ? AND source IS NOT NULL",
            [article_id, article_id])} - {a["source"]})
        a["place"] = query.place_name(a)
        a["excerpt"] = excerpt(a.pop("text") or "")
        a["n"] = n
        articles.append(a)
    return {
        "filters": filters, "total": total, "articles": articles,
        "generated": datetime.now(timezone.utc).astimezone().strftime("%Y-%m-%d %H:%M"),
    }


def excerpt(text: str, size: int = EXCERPT_CHARS) -> str:
    """The opening of ``text``, whitespace collapsed, cut at a sentence end when one falls
    in the second half of ``size`` characters.

    >>> excerpt("第一句。第二句很长很长。", size=8)
    '第一句。…'
    """
    flat = re.sub(r"\s+", " ", text).strip()
    if len(flat) <= size:
        return flat
    head = flat[:size]
    ends = [m.end() for m in RE_SENTENCE_END.finditer(head)]
    cut = ends[-1] if ends and ends[-1] >= size // 3 else size
    return head[:cut] + "…"


def filter_line(dossier: dict) -> str:
    """检索词:党建引领基层治理;地区:湖南 — or 全部文章."""
    parts = []
    for key, value in dossier["filters"].items():
        if key == "metric":
            value = query.METRIC_LABELS.get(value, value)
        if key == "ids":
            value = "、".join(value)
        parts.append(f"{FILTER_LABELS[key]}:{value}")
    return ";".join(parts) or "全部文章"


def heading(dossier: dict) -> str:
    q = dossier["filters"].get("query") or dossier["filters"].get("theme") or ""
    return f"资料汇编:{q}" if q else "资料汇编"


def count_line(dossier: dict) -> str:
    shown, total = len(dossier["articles"]), dossier["total"]
    more = f"(共 {total} 篇符合,收录前 {shown} 篇)" if total > shown else ""
    return f"筛选条件:{filter_line(dossier)}。收录文章 {shown} 篇{more},生成于 {dossier['generated']}。"


def fact_row(f: dict) -> list[str]:
    return [f["span"], f"{number(f['value'])} {f['unit'] or ''}".strip(), f["subject"] or "",
            f["metric_label"], str(f["year"] or "")]


FACT_HEADER = ["原文", "数值", "主体", "指标", "年份"]
SUMMARY_HEADER = ["序号", "标题", "来源", "日期", "地区", "数据", "做法", "原文链接"]


def summary_row(a: dict) -> list[str]:
    return [str(a["n"]), a["title"] or a["id"], a["source"] or "", a["published"] or "", a["place"] or "",
            str(len(a["facts"])), str(len(a["practices"])), a["url"] or ""]


def render_dossier(dossier: dict, fh, fmt: str) -> None:
    """Write ``dossier`` (from ``build_dossier``) to the binary file ``fh`` as ``fmt``."""
    RENDERERS[fmt](dossier, fh)


# --- Word -------------------------------------------------------------------------------------

def set_east_asian_font(element, name: str) -> None:
    """Set the East-Asian font (w:eastAsia on w:rFonts) of a style or run element, dropping
    a theme font that would take precedence, so Word shows Chinese in ``name``."""
    from docx.oxml.ns import qn

    rpr = element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)
    for attr in ("w:eastAsiaTheme",):
        if fonts.get(qn(attr)) is not None:
            del fonts.attrib[qn(attr)]


def render_docx(dossier: dict, fh) -> None:
    from docx import Document
    from docx.enum.style import WD_STYLE_TYPE
    from docx.shared import Pt

    doc = Document()
    for style in doc.styles:
        if style.type in (WD_STYLE_TYPE.PARAGRAPH, WD_STYLE_TYPE.CHARACTER, WD_STYLE_TYPE.TABLE):
            is_heading = style.name.startswith(("Heading", "Title"))
            set_east_asian_font(style.element, HEADING_FONT_CJK if is_heading else BODY_FONT_CJK)
    doc.styles["Normal"].font.size = Pt(10.5)
    doc.core_properties.title = heading(dossier)
    doc.core_properties.language = "zh-CN"
    doc.add_heading(heading(dossier), level=0)
    doc.add_paragraph(count_line(dossier))
    doc.add_heading("概要", level=1)
    docx_table(doc, SUMMARY_HEADER, [summary_row(a) for a in dossier["articles"]])
    for a in dossier["articles"]:
        doc.add_heading(f"{a['n']}. {a['title'] or a['id']}", level=1)
        meta = [["来源", a["source"] or ""], ["日期", a["published"] or ""], ["地区", a["place"] or "未识别"],
                ["主题", "、".join(a["themes"])], ["原文链接", a["url"] or ""]]
        if a["outlets"]:
            meta.insert(1, ["转载/其他来源", "、".join(a["outlets"])])
        docx_table(doc, None, meta)
        doc.add_heading("关键数据", level=2)
        if a["facts"]:
            docx_table(doc, FACT_HEADER, [fact_row(f) for f in a["facts"]])
        else:
            doc.add_paragraph("未抽取到数据。")
        doc.add_heading("经验做法", level=2)
        for p in a["practices"]:
            doc.add_paragraph(p["title"] + (f"({'、'.join(p['themes'])})" if p["themes"] else ""),
                              style="List Bullet")
        if not a["practices"]:
            doc.add_paragraph("未识别到做法。")
        doc.add_heading("摘录", level=2)
        doc.add_paragraph(a["excerpt"])
        doc.add_paragraph(f"来源链接:{a['url'] or '(无)'}")
    doc.save(fh)


def docx_table(doc, header: list[str] | None, body: list[list[str]]) -> None:
    rows = ([header] if header else []) + body
    if not rows:
        return
    table = doc.add_table(rows=len(rows), cols=len(rows[0]))
    table.style = "Table Grid"
    for i, values in enumerate(rows):
        for j, value in enumerate(values):
            cell = table.cell(i, j)
            cell.text = value
            if header and i == 0:
                for run in cell.paragraphs[0].runs:
                    run.bold = True


# --- Excel ------------------------------------------------------------------------------------

def render_xlsx(dossier: dict, fh) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    sheets = {
        "概要": (["序号", "标题", "来源", "日期", "省", "市", "县区", "乡镇街道", "主题", "数据条数", "做法条数",
                 "摘录", "原文链接"],
               [[a["n"], a["title"], a["source"], a["published"], a["province"], a["city"], a["county"],
                 a["town"], "、".join(a["themes"]), len(a["facts"]), len(a["practices"]), a["excerpt"], a["url"]]
                for a in dossier["articles"]]),
        "关键数据": (["序号", "文章标题", "原文", "数值", "单位", "主体", "指标", "年份", "所在句子", "原文链接"],
                 [[a["n"], a["title"], f["span"], f["value"], f["unit"], f["subject"], f["metric_label"],
                   f["year"], f["sentence"], a["url"]] for a in dossier["articles"] for f in a["facts"]]),
        "经验做法": (["序号", "文章标题", "做法", "主题", "地区", "来源", "原文链接"],
                 [[a["n"], a["title"], p["title"], "、".join(p["themes"]), a["place"], a["source"], a["url"]]
                  for a in dossier["articles"] for p in a["practices"]]),
    }
    first = True
    for name, (header, body) in sheets.items():
        ws = wb.active if first else wb.create_sheet()
        first = False
        ws.title = name
        ws.append(header)
        for row in body:
            ws.append(row)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "A2"
        for col in ws.columns:
            longest = max((len(str(c.value)) for c in col if c.value is not None), default=4)
            ws.column_dimensions[col[0].column_letter].width = min(60, max(6, longest * 1.8))
            for c in col[1:]:
                c.alignment = Alignment(wrap_text=True, vertical="top")
    ws = wb.create_sheet("说明")
    ws.append([heading(dossier)])
    ws.append([count_line(dossier)])
    wb.save(fh)


# --- Text formats -----------------------------------------------------------------------------

def md_cell(value) -> str:
    return str(value or "").replace("|", "\\|").replace("\n", " ")


def md_table(header: list[str], body: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(md_cell(v) for v in row) + " |" for row in body]
    return lines


def render_md(dossier: dict, fh) -> None:
    lines = [f"# {heading(dossier)}", "", count_line(dossier), "", "## 概要", ""]
    lines += md_table(SUMMARY_HEADER, [summary_row(a) for a in dossier["articles"]])
    for a in dossier["articles"]:
        lines += ["", f"## {a['n']}. {md_cell(a['title'] or a['id'])}", "",
                  f"- 来源:{a['source'] or ''}", f"- 日期:{a['published'] or ''}",
                  f"- 地区:{a['place'] or '未识别'}", f"- 主题:{'、'.join(a['themes'])}"]
        if a["outlets"]:
            lines.append(f"- 转载/其他来源:{'、'.join(a['outlets'])}")
        lines += [f"- 原文链接:{a['url'] or '(无)'}", "", "### 关键数据", ""]
        lines += md_table(FACT_HEADER, [fact_row(f) for f in a["facts"]]) if a["facts"] else ["未抽取到数据。"]
        lines += ["", "### 经验做法", ""]
        lines += [f"- {p['title']}" + (f"({'、'.join(p['themes'])})" if p["themes"] else "")
                  for p in a["practices"]] or ["未识别到做法。"]
        lines += ["", "### 摘录", "", f"> {a['excerpt']}"]
    fh.write(("\n".join(lines) + "\n").encode("utf-8"))


def html_table(header: list[str] | None, body: list[list[str]]) -> str:
    head = "<tr>" + "".join(f"<th>{escape(h)}</th>" for h in header) + "</tr>" if header else ""
    rows = "".join("<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in row) + "</tr>" for row in body)
    return f"<table>{head}{rows}</table>"


def render_html(dossier: dict, fh) -> None:
    title = escape(heading(dossier))
    out = [f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title><style>'
           'body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;max-width:60em;'
           'margin:2em auto;line-height:1.6}table{border-collapse:collapse;margin:.5em 0}'
           'td,th{border:1px solid #bbb;padding:.2em .5em;text-align:left;vertical-align:top}'
           'th{background:#eef2f7}blockquote{color:#444;border-left:3px solid #ccc;margin:0;padding-left:1em}'
           f'</style></head><body><h1>{title}</h1><p>{escape(count_line(dossier))}</p><h2>概要</h2>',
           html_table(SUMMARY_HEADER, [summary_row(a) for a in dossier["articles"]])]
    for a in dossier["articles"]:
        url = escape(a["url"] or "")
        meta = [["来源", a["source"] or ""], ["日期", a["published"] or ""], ["地区", a["place"] or "未识别"],
                ["主题", "、".join(a["themes"])]]
        if a["outlets"]:
            meta.append(["转载/其他来源", "、".join(a["outlets"])])
        out += [f'<section><h2>{a["n"]}. {escape(a["title"] or a["id"])}</h2>', html_table(None, meta),
                f'<p>原文链接:{f"<a href={chr(34)}{url}{chr(34)}>{url}</a>" if url else "(无)"}</p>',
                "<h3>关键数据</h3>",
                html_table(FACT_HEADER, [fact_row(f) for f in a["facts"]]) if a["facts"] else "<p>未抽取到数据。</p>",
                "<h3>经验做法</h3><ul>"]
        out += [f"<li>{escape(p['title'])}" + (f"({escape('、'.join(p['themes']))})" if p["themes"] else "")
                + "</li>" for p in a["practices"]]
        out += ["</ul>", f"<h3>摘录</h3><blockquote>{escape(a['excerpt'])}</blockquote></section>"]
    out.append("</body></html>")
    fh.write("".join(out).encode("utf-8"))


def render_csv(dossier: dict, fh) -> None:
    # utf-8-sig: Excel on a Chinese Windows reads a CSV without a BOM as GBK and garbles it.
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["序号", "标题", "来源", "日期", "地区", "主题", "关键数据", "经验做法", "摘录", "原文链接"])
    for a in dossier["articles"]:
        figures = ";".join(f"{f['span']}({f['subject'] or f['metric_label']})" for f in a["facts"])
        writer.writerow([a["n"], a["title"], a["source"], a["published"], a["place"], "、".join(a["themes"]),
                         figures, ";".join(p["title"] for p in a["practices"]), a["excerpt"], a["url"]])
    fh.write(text.getvalue().encode("utf-8-sig"))


RENDERERS = {"docx": render_docx, "xlsx": render_xlsx, "md": render_md, "html": render_html, "csv": render_csv}
