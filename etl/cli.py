"""The `tinhuy` command line: each subcommand is a thin call into a stage module."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from etl import settings


def _cmd_parse(args: argparse.Namespace) -> int:
    from etl import clean, parse

    path = Path(args.path)
    try:
        body = path.read_bytes()
    except OSError as exc:
        raise clean.UnreadablePage(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        if args.text:
            article = clean.clean_text(clean.decode(body, "text/plain"))
        else:
            article = clean.clean_html(clean.decode(body), url=args.url, profile=_profile_for(args.url))
    except clean.UnreadablePage as exc:
        raise clean.UnreadablePage(f"{path}: {exc}") from None
    source = _source_for(args.url)
    result = parse.parse_article(
        article, url=args.url, source=source.id if source else None, province=source.province if source else None
    )
    json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


def _source_for(url: str | None):
    """The known source whose allowed hosts and article pattern match a URL, if any."""
    if not url:
        return None
    from urllib.parse import urlsplit

    from etl.sources import SourcesError, load_sources

    parts = urlsplit(url)
    for name in ("default", "demo"):
        try:
            candidates = load_sources(name)
        except SourcesError:
            continue
        for source in candidates:
            host = (parts.hostname or "").lower()
            if host in source.allowed_hosts and source.is_article(parts.path):
                return source
    return None


def _profile_for(url: str | None):
    source = _source_for(url)
    return source.profile if source else None


def _cmd_demo_portal(args: argparse.Namespace) -> int:
    from etl.demo_portal import server

    server.serve(host=args.host, port=args.port)
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from etl import demo

    return demo.run()


def _cmd_export(args: argparse.Namespace) -> int:
    from etl import export

    manifest = export.export_parquet(args.parquet, args.warehouse)
    rows = sum(table["rows"] for table in manifest["tables"])
    print(f"exported {len(manifest['tables'])} tables and views ({rows} rows) to {args.parquet}")
    return 0


def _cmd_quarantine(args: argparse.Namespace) -> int:
    from etl import quarantine, warehouse

    path = args.warehouse or settings.WAREHOUSE
    with warehouse.read(path) as con:
        found = quarantine.rows(con, run_id=args.run, include_flagged=args.flagged)
    print(quarantine.format_rows(found, path))
    return 0


def _cmd_crawl(args: argparse.Namespace) -> int:
    from etl import crawl

    progress = crawl.Progress(sys.stderr)
    result = crawl.crawl(sources=args.sources, source_id=args.source, max_pages=args.max_pages,
                         validate=not args.no_validate, progress=progress)
    print(json.dumps(result["counts"]))
    return 0


def _cmd_reparse(args: argparse.Namespace) -> int:
    from etl import crawl

    result = crawl.reparse(sources=args.sources, source_id=args.source, validate=not args.no_validate,
                           progress=crawl.Progress(sys.stderr))
    print(json.dumps(result["counts"]))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tinhuy", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to standard error")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("parse", help="print the article, indicators, documents and people of one page as JSON")
    p.add_argument("path", help="an HTML file (or plain text with --text)")
    p.add_argument("--url", help="the page's URL: picks the source's site profile and province")
    p.add_argument("--text", action="store_true", help="the file is plain text, one paragraph per line")
    p.set_defaults(func=_cmd_parse)

    p = sub.add_parser("demo-portal", help="serve the offline demo portal (two provincial sites)")
    p.add_argument("--host", default=settings.DEMO_PORTAL_HOST)
    p.add_argument("--port", type=int, default=settings.DEMO_PORTAL_PORT)
    p.set_defaults(func=_cmd_demo_portal)

    p = sub.add_parser("demo", help="run the whole pipeline once through Airflow against the demo portal")
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser("crawl", help="crawl the sources once outside Airflow, into the warehouse; prints a JSON line of counts")
    p.add_argument("--sources", metavar="FILE", help="sources file, or 'default'/'demo' (default: TINHUY_SOURCES)")
    p.add_argument("--source", metavar="ID", help="crawl only this source")
    p.add_argument("--max-pages", type=int, metavar="N", help=f"article pages per source (default {settings.MAX_PAGES_PER_RUN})")
    p.add_argument("--no-validate", action="store_true", help="skip the data-quality checks")
    p.set_defaults(func=_cmd_crawl)

    p = sub.add_parser("reparse", help="rebuild staging and the mart from the raw archive, without the network")
    p.add_argument("--sources", metavar="FILE", help="sources file, or 'default'/'demo' (default: TINHUY_SOURCES)")
    p.add_argument("--source", metavar="ID", help="reparse only this source's pages")
    p.add_argument("--no-validate", action="store_true", help="skip the data-quality checks")
    p.set_defaults(func=_cmd_reparse)

    p = sub.add_parser("export", help="write the warehouse's mart and dq tables as Parquet files for BI tools")
    p.add_argument("--parquet", required=True, metavar="DIR", help="directory for the Parquet files (created)")
    p.add_argument("--warehouse", metavar="PATH", help=f"the warehouse file (default {settings.WAREHOUSE})")
    p.set_defaults(func=_cmd_export)

    p = sub.add_parser("quarantine", help="list the rows data-quality checks hold out of the mart, and why")
    p.add_argument("--run", metavar="RUN_ID", help="only what this run's validation found")
    p.add_argument("--flagged", action="store_true", help="also the rows warnings flagged (loaded, is_flagged)")
    p.add_argument("--warehouse", metavar="PATH", help=f"the warehouse file (default {settings.WAREHOUSE})")
    p.set_defaults(func=_cmd_quarantine)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - the CLI promises one line, never a traceback
        message = " ".join(str(exc).split()) or type(exc).__name__
        print(f"tinhuy {args.command}: {message}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
