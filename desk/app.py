"""Build and serve the desk: Datasette 0.65 over one wrmine database, read-only, with the
desk plugin (``desk.plugin``) and its templates.

    import desk.app
    desk.app.serve("reports.db")            # http://127.0.0.1:8001/
"""
from __future__ import annotations

from pathlib import Path

from datasette.app import Datasette
from datasette.plugins import pm

from corpus import store
from desk import plugin

HERE = Path(__file__).parent
SETTINGS = {
    # Our own pages run their SQL through execute_fn (no limit); this is for Datasette's views.
    "sql_time_limit_ms": 5000,
    "default_page_size": 50,
    "max_returned_rows": 2000,
    # Article bodies are thousands of characters: table views show the start of each cell.
    "truncate_cells_html": 120,
}


def metadata_for(db_name: str) -> dict:
    """Datasette metadata: titles in Chinese, and the articles table searchable through
    ``articles_fts`` (rowid = articles.rowid), which Datasette cannot detect on its own."""
    return {
        "title": "wrmine 资料台",
        "description": "工作经验文章的数据、做法与原文(只读)",
        "plugins": {plugin.PLUGIN: {"database": db_name}},
        "databases": {db_name: {"tables": {
            "articles": {"fts_table": "articles_fts", "fts_pk": "rowid", "label_column": "title",
                         "sort_desc": "published"},
            "facts": {"label_column": "span"},
            "practices": {"label_column": "title"},
        }}},
    }


def make_datasette(db_path: str, immutable: bool = False) -> Datasette:
    """The desk's Datasette instance (call ``await ds.invoke_startup()`` before using
    ``ds.client`` in tests). The database is opened read-only: ``mode=ro`` so that pages stay
    current while an ingest writes (WAL), or ``immutable=True`` for a file nothing changes.
    A file that is not a wrmine database raises ``corpus.store.StoreError``."""
    store.open_existing(db_path).conn.close()   # refuses a missing or foreign file with a reason
    if not pm.is_registered(plugin):
        pm.register(plugin, name=plugin.PLUGIN)
    db_name = Path(db_path).stem
    kwargs = {"immutables": [db_path]} if immutable else {"files": [db_path]}
    return Datasette(
        **kwargs,
        metadata=metadata_for(db_name),
        template_dir=str(HERE / "templates"),
        static_mounts=[(plugin.STATIC_MOUNT, str(HERE / "static"))],
        settings=SETTINGS,
    )


def serve(db_path: str, host: str = "127.0.0.1", port: int = 8001, immutable: bool = False) -> None:
    """Serve the desk until interrupted (blocking). Bound to 127.0.0.1 unless ``host`` says
    otherwise: the desk has no login."""
    import uvicorn

    ds = make_datasette(db_path, immutable=immutable)
    uvicorn.run(ds.app(), host=host, port=port, log_level="warning")
