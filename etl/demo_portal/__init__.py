"""The offline demo portal: two provincial party news sites served from local data, for tests and `make demo`.

Articles are YAML files under ``articles/<portal>/`` and pages are Jinja2 templates under
``templates/``; ``server.make_server`` serves both portals on one local HTTP server.
"""
