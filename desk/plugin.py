"""The desk as a Datasette plugin: its pages (``register_routes``), a menu entry on every
Datasette page, and a character-aware ``escape_fts`` so Datasette's own search box finds
党建 in our index of space-separated characters.

The pages only read: each one runs a ``desk.query`` function on Datasette's read-only
connection (``execute_fn``) and renders a template from ``desk/templates``.
"""
from __future__ import annotations

import io
from urllib.parse import quote, urlencode

from datasette import hookimpl
from datasette.utils import tilde_encode
from datasette.utils.asgi import Response

from desk import query
from desk.chart import bar_chart, number

PLUGIN = "wrmine-desk"
DOSSIER_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
}
PAGE_SIZE = 20
STATIC_MOUNT = "-/desk-static"


@hookimpl(trylast=True)
def prepare_connection(conn, database, datasette):
    # trylast: Datasette registers its own escape_fts on every connection; ours must come
    # after it to replace it (a query 党建 must become the phrase "党 建").
    conn.create_function("escape_fts", 1, query.escape_fts)


@hookimpl
def menu_links(datasette, actor, request):
    return [
        {"href": datasette.urls.path("/"), "label": "资料台 · 检索"},
        {"href": datasette.urls.path("/-/desk/practices"), "label": "资料台 · 经验做法"},
        {"href": datasette.urls.path("/-/desk/compare"), "label": "资料台 · 数据对比"},
    ]


@hookimpl
def register_routes(datasette):
    return [
        (r"^/$", search_view),
        (r"^/-/desk/?$", search_view),
        (r"^/-/desk/search$", search_view),
        (r"^/-/desk/article$", article_view),
        (r"^/-/desk/practices$", practices_view),
        (r"^/-/desk/compare$", compare_view),
        (r"^/-/desk/facts$", facts_view),
        (r"^/-/desk/dossier\.(?P<fmt>docx|xlsx|md|html|csv)$", dossier_view),
    ]


def desk_database(datasette):
    """The database the desk shows: the plugin setting, else the first attached file."""
    name = (datasette.plugin_config(PLUGIN) or {}).get("database")
    if name:
        return datasette.get_database(name)
    return datasette.get_database()


def link(datasette, path: str, **params) -> str:
    """A desk URL with the non-empty parameters: ``link(ds, "/-/desk/compare", metric="teams")``."""
    qs = urlencode({k: v for k, v in params.items() if v not in (None, "", [])})
    return datasette.urls.path(path) + ("?" + qs if qs else "")


def article_link(datasette, article_id: str, anchor: str | None = None) -> str:
    return datasette.urls.path("/-/desk/article") + "?id=" + quote(article_id, safe="") + (
        "#" + anchor if anchor else "")


def request_filters(request) -> tuple[dict, str | None]:
    """The filters in the query string, and an error message for a bad value."""
    raw = {k: request.args.get(k) for k in query.FILTERS}
    raw["query"] = raw.get("query") or request.args.get("q")
    try:
        return query.clean_filters(raw), None
    except ValueError:
        bad = raw.pop("year", None)
        return query.clean_filters(raw), f"年份应为数字,如 2024(收到:{bad}),已忽略该条件。"


def page_number(request) -> int:
    value = request.args.get("page") or "1"
    return max(1, int(value)) if value.isdigit() else 1


async def render(datasette, request, template: str, context: dict, status: int = 200) -> Response:
    db = desk_database(datasette)
    base = {
        "db_name": db.name,
        "db_url": datasette.urls.database(db.name),
        "link": lambda path, **params: link(datasette, path, **params),
        "article_link": lambda article_id, anchor=None: article_link(datasette, article_id, anchor),
        "metric_labels": query.METRIC_LABELS,
        "level_labels": query.LEVEL_LABELS,
        "desk_css": datasette.urls.path(f"/{STATIC_MOUNT}/desk.css"),
        "number": number,
        "row_url": lambda table, pk: datasette.urls.table(db.name, table) + "/" + tilde_encode(pk),
        "page_kind": template.removeprefix("desk_").removesuffix(".html"),
    }
    base.update(context)
    html = await datasette.render_template(template, base, request=request)
    return Response.html(html, status=status)


async def search_view(datasette, request):
    filters, error = request_filters(request)
    page = page_number(request)
    db = desk_database(datasette)
    result = await db.execute_fn(lambda conn: query.search(
        conn, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, **filters))
    facets = await db.execute_fn(query.facet_values)
    form = {k: request.args.get(k) or "" for k in ("region", "year", "theme", "metric", "source")}
    form["query"] = filters.get("query", "")
    dossier_params = {k: (",".join(v) if k == "ids" else v) for k, v in filters.items()}
    return await render(datasette, request, "desk_search.html", {
        "title": "检索", "filters": filters, "form": form, "error": error, "result": result,
        "facets": facets, "page": page, "page_size": PAGE_SIZE, "dossier_params": dossier_params,
        "pages": (result["total"] + PAGE_SIZE - 1) // PAGE_SIZE,
    })


async def article_view(datasette, request):
    article_id = request.args.get("id") or ""
    db = desk_database(datasette)
    art = await db.execute_fn(lambda conn: query.article_detail(conn, article_id))
    if art is None:
        return await render(datasette, request, "desk_missing.html",
                            {"title": "未找到", "article_id": article_id}, status=404)
    return await render(datasette, request, "desk_article.html", {"title": art["title"] or art["id"], "a": art})


async def practices_view(datasette, request):
    theme = request.args.get("theme") or None
    region = request.args.get("region") or None
    words = request.args.get("query") or request.args.get("q") or None
    page = page_number(request)
    db = desk_database(datasette)

    def fetch(conn):
        found = query.practices(conn, theme=theme, region=region, query=words, limit=PAGE_SIZE,
                                offset=(page - 1) * PAGE_SIZE)
        found["similar"] = query.similar_practices(conn, found["items"])
        found["facets"] = query.facet_values(conn)
        return found

    found = await db.execute_fn(fetch)
    return await render(datasette, request, "desk_practices.html", {
        "title": "经验做法", "found": found, "facets": found["facets"], "page": page,
        "pages": (found["total"] + PAGE_SIZE - 1) // PAGE_SIZE,
        "form": {"theme": theme or "", "region": region or "", "query": words or ""},
    })


async def compare_view(datasette, request):
    metric = request.args.get("metric") or "teams"
    level = request.args.get("level") or "province"
    if level not in query.LEVELS:
        level = "province"
    unit = request.args.get("unit") or None
    region = request.args.get("region") or None
    theme = request.args.get("theme") or None
    db = desk_database(datasette)

    def fetch(conn):
        table = query.compare(conn, metric=metric, level=level, unit=unit, region=region, theme=theme)
        return table, query.facet_values(conn)

    table, facets = await db.execute_fn(fetch)
    return await render(datasette, request, "desk_compare.html", {
        "title": "数据对比", "t": table, "facets": facets, "chart": bar_chart(table),
        "form": {"metric": metric, "level": level, "unit": table["unit"] or "", "region": region or "",
                 "theme": theme or ""},
    })


async def facts_view(datasette, request):
    args = {k: request.args.get(k) or None for k in ("metric", "unit", "level", "place", "year", "region", "theme")}
    db = desk_database(datasette)
    facts = await db.execute_fn(lambda conn: query.list_facts(conn, **args))
    return await render(datasette, request, "desk_facts.html", {"title": "数据明细", "facts": facts, "args": args})


async def dossier_view(datasette, request):
    from desk.dossier import DOSSIER_LIMIT, build_dossier, render_dossier

    fmt = request.url_vars["fmt"]
    filters, error = request_filters(request)
    if error:
        return Response.text(error, status=400)
    db = desk_database(datasette)
    dossier = await db.execute_fn(lambda conn: build_dossier(conn, limit=DOSSIER_LIMIT, **filters))
    out = io.BytesIO()
    render_dossier(dossier, out, fmt)
    name = dossier_filename(filters, fmt)
    return Response(out.getvalue(), content_type=DOSSIER_TYPES[fmt], headers={
        "content-disposition": f"attachment; filename=\"dossier.{fmt}\"; filename*=UTF-8''{quote(name)}",
    })


def dossier_filename(filters: dict, fmt: str) -> str:
    """资料汇编-党建引领基层治理-湖南.docx"""
    parts = [str(filters[k]) for k in ("query", "theme", "region", "year", "metric") if filters.get(k)]
    stem = "-".join(["资料汇编", *parts])[:80]
    return "".join(c if c not in '\\/:*?"<>|' else "_" for c in stem) + "." + fmt
