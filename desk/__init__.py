"""The desk: a read-only web desk (Datasette plus our pages) and editors' dossiers over a
wrmine database. ``desk.app.serve(db_path)`` serves it; ``desk.dossier.write_dossier`` writes
a dossier to a file."""
