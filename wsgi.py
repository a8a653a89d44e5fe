"""WSGI entry point for gunicorn: ``gunicorn wsgi:app``."""

import gc

from mtb import create_app

app = create_app()

# The app's own objects (models, routes, the libraries: ~250,000) live as long as the
# worker: move them out of the collector's reach, so a full collection no longer costs a
# request ~60 ms every tenth page, and collect young objects less often (a page creates
# tens of thousands). Templates and catalogues load on first use, after this: they are
# walked only by the rare full collections. benchmarks/README.md has the figures.
gc.collect()
gc.freeze()
gc.set_threshold(20_000, 20, 10)
