"""The desk in a real browser: Debian's chromium driven by Playwright through the researcher's
and the editor's stories. Skips with the reason when playwright or chromium is missing
(``apt-get install -y chromium fonts-noto-cjk``; Playwright never downloads a browser here).

Set WRMINE_DESK_SCREENSHOTS=docs to (re)write the page screenshots in docs/."""
from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("datasette", reason="the desk needs datasette (pip install -e '.[test]')")
sync_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright package (pip install -e '.[test]')")

from desk import query  # noqa: E402
from test_desk import build_desk_db  # noqa: E402  (tests/ is on sys.path: conftest's folder)

CHROMIUM = os.environ.get("WRMINE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
SHOTS = os.environ.get("WRMINE_DESK_SCREENSHOTS")

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).is_file(),
    reason=f"no chromium at {CHROMIUM} (apt-get install -y chromium fonts-noto-cjk, or set WRMINE_CHROMIUM)",
)


@pytest.fixture(scope="module")
def desk_db(tmp_path_factory):
    return build_desk_db(tmp_path_factory.mktemp("desk"))


@pytest.fixture(scope="module")
def base_url(desk_db):
    """The desk served by uvicorn on a free port of 127.0.0.1, in a thread."""
    import uvicorn

    from desk.app import make_datasette

    ds = make_datasette(desk_db)
    server = uvicorn.Server(uvicorn.Config(ds.app(), host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the desk server did not start")
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def page(base_url):
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True,
                                      locale="zh-CN")
        pg = context.new_page()
        pg.set_default_timeout(15000)
        yield pg
        browser.close()


def shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"desk-{name}.png"), full_page=True)


def test_researcher_searches_filters_and_hovers_a_fact(page, base_url, desk_db):
    page.goto(base_url + "/")
    page.fill("input[name=query]", "志愿服务")
    page.fill("input[name=region]", "湖南")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/-/desk/search?*")
    total = int(page.inner_text("#total"))
    hits = page.locator("article.hit")
    assert total == hits.count() >= 1
    hit = page.locator("article.hit[data-id='desk-hn-01']")
    assert "湖南省长沙市浏阳市" in hit.locator(".place").inner_text()
    assert "组建银龄志愿服务队12支" in hit.locator("table.facts").inner_text()
    assert page.locator("article.hit[data-id='desk-hn-01b-repost']").count() == 0
    shot(page, "search")

    hit.locator("h3 a").click()
    page.wait_for_url("**/-/desk/article?id=desk-hn-01")
    fact = page.locator("mark.fact", has_text="12支").first
    tip = fact.locator(".tip")
    assert not tip.is_visible()
    fact.hover()
    tip.wait_for(state="visible")
    text = tip.inner_text()
    stored = next(f for f in query.article_facts(query.open_readonly(desk_db), "desk-hn-01") if f["span"] == "12支")
    for expected in ("12 支", "银龄志愿服务队", "队伍(teams)", f"{stored['confidence']:.2f}", *stored["evidence"]):
        assert expected in text
    assert page.locator("a.original").get_attribute("href").startswith("https://news.example.org/")
    shot(page, "article")


def test_practices_browser_shows_similar_elsewhere(page, base_url):
    page.goto(base_url + "/-/desk/practices")
    page.select_option("select[name=theme]", "志愿服务")
    page.fill("input[name=region]", "四川")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/-/desk/practices?*")
    practice = page.locator(".practice", has_text="建好队伍").first
    assert "四川省成都市" in practice.locator(".place").inner_text()
    similar = practice.locator(".similar")
    assert "建强队伍" in similar.inner_text()
    shot(page, "practices")


def test_compare_metric_and_open_a_cell(page, base_url):
    page.goto(base_url + "/-/desk/compare")
    page.select_option("select[name=metric]", "teams")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/-/desk/compare?*")
    assert page.locator("svg.desk-chart rect").count() >= 2
    row = page.locator("table.compare tbody tr", has_text="湖南省")
    assert row.count() == 1
    shot(page, "compare")
    row.locator("td a").first.click()
    page.wait_for_url("**/-/desk/facts?*")
    assert int(page.inner_text("#total")) >= 1
    assert "湖南" in page.inner_text("table.facts")
    shot(page, "facts")


def test_editor_downloads_a_word_dossier(page, base_url, tmp_path):
    from docx import Document

    page.goto(base_url + "/?query=党建引领基层治理")
    total = int(page.inner_text("#total"))
    assert total >= 2
    with page.expect_download() as info:
        page.click("a.dossier[data-fmt=docx]")
    out = tmp_path / "dossier.docx"
    info.value.save_as(str(out))
    assert info.value.suggested_filename.endswith(".docx")
    doc = Document(str(out))
    sections = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"][1:]
    assert len(sections) == total
    assert any("浏阳市荷花街道" in s for s in sections)
    assert len(doc.tables[0].rows) == total + 1


def test_datasette_table_search_in_browser(page, base_url):
    page.goto(base_url + "/desk/articles")
    page.fill("input#_search", "黨建")
    page.locator("input#_search").press("Enter")
    page.wait_for_url("**_search=*")
    assert page.locator("table.rows-and-columns tbody tr").count() >= 5
    columns = "".join(f"&_col={c}" for c in ("title", "published", "source", "province", "city", "county"))
    page.goto(page.url + columns)
    assert page.locator("table.rows-and-columns tbody tr").count() >= 5
    shot(page, "datasette-table")
