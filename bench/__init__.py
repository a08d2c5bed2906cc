"""``make bench``: how fast tinhuy is on a synthetic corpus of portal pages, against named targets.

``bench.corpus`` generates the pages (three portal layouts, 60-150 KB each) under
``data/bench/``; ``bench.portal`` serves them over HTTP with ETags; ``bench.run`` measures each
figure in its own process and writes ``data/bench.json``. Nothing here is imported by the pipeline.
"""
