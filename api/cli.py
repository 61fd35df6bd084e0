"""The `budgetkg` console script: a thin edge that turns domain errors into clean messages
and exit codes. Everything it does is a call into the library."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import TextIO

from budgetkg.loader.errors import BudgetKGError
from budgetkg.loader.synth_layouts import LAYOUTS as SYNTH_LAYOUTS

EXPORT_FORMATS = ("nquads", "trig", "turtle", "jsonld")


def _store(args: argparse.Namespace, *, read_only: bool = False):
    from budgetkg.loader.store import open_store

    return open_store(args.store, read_only=read_only)


class Progress:
    """One status line on a terminal; silent otherwise (CI logs get the per-document lines)."""

    def __init__(self, total: int, stream: TextIO) -> None:
        self.total, self.done, self.stream = total, 0, stream
        self.active = total >= 20 and stream.isatty()
        self.start = time.perf_counter()

    def step(self) -> None:
        self.done += 1
        if self.active:
            rate = self.done / max(time.perf_counter() - self.start, 1e-9)
            width = 30
            filled = int(width * self.done / self.total)
            self.stream.write(
                f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} {rate:.1f} docs/s"
            )
            self.stream.flush()

    def close(self) -> None:
        if self.active:
            self.stream.write("\r" + " " * 70 + "\r")


def _jobs(text: str) -> int:
    try:
        jobs = int(text)
    except ValueError:
        jobs = 0
    if jobs < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of processes (1 or more)")
    return jobs


def cmd_ingest(args: argparse.Namespace) -> int:
    from budgetkg.loader.ingest import DocResult, expand, ingest

    paths = [Path(p) for p in args.paths]
    missing = [p for p in paths if not p.exists()]
    for p in missing:
        print(f"error: {p}: no such file or folder", file=sys.stderr)
    files = list(expand(p for p in paths if p.exists()))
    if not files and not missing:
        print("error: no documents found (looked for *.txt, *.pdf)", file=sys.stderr)
        return 2
    store = _store(args)
    progress = Progress(len(files), sys.stderr)

    def report(r: DocResult) -> None:
        progress.step()
        if not r.ok:
            progress.close()
            print(f"FAILED {r.path}: {r.error}", file=sys.stderr)
            return
        if args.quiet:
            return
        c = r.counts
        line = (
            f"ok     {r.path.name}: {r.unit} {r.year} — tables {c['tables']}, lines {c['lines']}, "
            f"projects {c['projects']}, citations {c['citations']}, indicators {c['indicators']}; "
            f"{r.triples} triples"
        )
        if r.report is not None:
            line += (
                f"; SHACL {r.report.count('Violation')} violations, {r.report.count('Info')} rounding notes"
            )
        progress.close()
        print(line)
        for w in r.warnings if args.verbose else []:
            print(f"       warning: {w}")

    t0 = time.perf_counter()
    results = ingest(store, files, validate=not args.no_validate, on_result=report, jobs=args.jobs)
    progress.close()
    ok = [r for r in results if r.ok]
    failed = len(results) - len(ok) + len(missing)
    totals: Counter[str] = Counter()
    for r in ok:
        totals.update(r.counts)
    elapsed = time.perf_counter() - t0
    print(
        f"total: {len(ok)} ingested, {failed} failed; {totals['lines']} budget lines, "
        f"{totals['projects']} projects, {sum(r.triples for r in ok)} triples in {elapsed:.1f}s "
        f"→ {store.path or store}"
    )
    return 1 if failed else 0


def cmd_export(args: argparse.Namespace) -> int:
    from budgetkg.loader.export import export, export_shards

    if args.shards is not None:
        if args.format != "nquads":
            print(f"error: --shards writes gzip N-Quads only, not {args.format}", file=sys.stderr)
            return 2
        if not args.output:
            print("error: --shards needs -o DIR (the folder for the shards)", file=sys.stderr)
            return 2
        t0 = time.perf_counter()
        store = _store(args, read_only=True)
        manifest = export_shards(store, args.shards, Path(args.output), force=args.force)
        print(
            f"wrote {len(manifest['shards'])} shards, {manifest['graphs']} graphs, {manifest['quads']} quads "
            f"in {time.perf_counter() - t0:.1f}s → {args.output}",
            file=sys.stderr,
        )
        return 0
    store = _store(args, read_only=True)
    if args.output:
        with open(args.output, "wb") as fh:
            export(store, args.format, fh)
    else:
        export(store, args.format, sys.stdout.buffer)
        sys.stdout.buffer.flush()
    return 0


def cmd_push(args: argparse.Namespace) -> int:
    import os

    from budgetkg.loader.bulk import push_oxigraph, push_virtuoso

    if not args.bulk:
        print(
            "error: push needs --bulk (the engine's own loader, the only mode); to write through "
            "SPARQL use `budgetkg ingest --store sparql+…`",
            file=sys.stderr,
        )
        return 2
    if args.engine == "virtuoso":
        password = os.environ.get(args.password_env)
        if password is None:
            print(f"error: set ${args.password_env} to the password of {args.user}", file=sys.stderr)
            return 2
        result = push_virtuoso(
            Path(args.folder), address=args.isql, user=args.user, password=password, isql=args.isql_bin
        )
    else:
        if not args.location:
            print("error: --engine oxigraph needs --location STOREDIR", file=sys.stderr)
            return 2
        result = push_oxigraph(Path(args.folder), location=Path(args.location), oxigraph=args.oxigraph_bin)
    if args.format == "json":
        print(json.dumps(vars(result)))
    else:
        print(
            f"pushed {result.shards} shards, {result.graphs} graphs, {result.quads} quads "
            f"in {result.seconds:.1f}s → {result.engine} {result.target}"
        )
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from budgetkg.loader.validate import validate_document

    store = _store(args, read_only=True)
    docs = store.documents()
    reports = [validate_document(store, d) for d in docs]
    violations = sum(r.count("Violation") for r in reports)
    if args.format == "json":
        out = {
            "conforms": violations == 0,
            "documents": [
                {
                    "document": r.document,
                    "conforms": r.conforms,
                    "results": [vars(x) for x in r.results],
                }
                for r in reports
            ],
        }
        json.dump(out, sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        for r in reports:
            status = "conforms" if r.conforms else f"{r.count('Violation')} violations"
            print(f"{r.document}: {status}, {r.count('Info')} rounding notes")
            for x in r.results:
                print(f"  [{x.severity}] {x.focus}: {x.message}")
        print(f"{len(reports)} documents, {violations} violations")
    return 1 if violations else 0


def cmd_query(args: argparse.Namespace) -> int:
    from budgetkg import queries

    if args.list:
        catalogue = queries.list_queries()
        if args.format == "json":
            print(queries.dumps(queries.catalogue_json()))
            return 0
        table = queries.Table(
            "",
            {},
            ["name", "title@zh", "title@en", "params"],
            [
                [q.name, q.title_zh, q.title_en, ", ".join(f"{p.name}={p.default}" for p in q.params)]
                for q in catalogue
            ],
        )
        sys.stdout.write(queries.to_csv(table) if args.format == "csv" else queries.to_text(table))
        return 0
    if not args.name:
        print("error: name a query (budgetkg query --list shows them)", file=sys.stderr)
        return 2
    params: dict[str, str] = {}
    for item in args.param:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            print(f"error: --param {item!r}: write it as key=value", file=sys.stderr)
            return 2
        params[key.strip()] = value
    if args.sparql:
        sys.stdout.write(queries.render(args.name, params))
        return 0
    queries.get(args.name).values(params)  # a bad name or parameter fails before the store opens
    result = queries.run(_store(args, read_only=True), args.name, params)
    if args.format == "json":
        print(queries.dumps(queries.to_json(result)))
    elif args.format == "csv":
        sys.stdout.write(queries.to_csv(result))
    else:
        sys.stdout.write(queries.to_text(result))
    return 0


def cmd_synth(args: argparse.Namespace) -> int:
    from budgetkg.loader.synth import generate

    out = Path(args.out)
    files = generate(args.n, args.seed, out, layout=args.layout, hazards=args.hazards)
    print(f"wrote {len(files)} documents (+ truth files) to {out}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from budgetkg.api.app import create_app
    from budgetkg.loader.store import store_spec

    app = create_app(store_spec(args.store), warm=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="budgetkg", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    def with_store(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument(
            "--store",
            help="store folder or sparql+http://… endpoint (default: $BUDGETKG_STORE or ./.budgetkg/store)",
        )
        return p

    p = with_store(sub.add_parser("ingest", help="read disclosures (files or folders) into the store"))
    p.add_argument("paths", nargs="+")
    p.add_argument("--no-validate", action="store_true", help="skip SHACL validation")
    p.add_argument("-q", "--quiet", action="store_true", help="only failures and the total")
    p.add_argument("-v", "--verbose", action="store_true", help="also print what could not be placed")
    p.add_argument(
        "--jobs",
        type=_jobs,
        default=1,
        metavar="N",
        help="parse, map and validate in N worker processes (default 1: all in this one)",
    )
    p.set_defaults(func=cmd_ingest)

    p = with_store(sub.add_parser("export", help="write the whole graph"))
    p.add_argument("--format", choices=EXPORT_FORMATS, default="nquads")
    p.add_argument("-o", "--output", help="file (default: standard output); with --shards a folder")
    p.add_argument(
        "--shards", type=int, metavar="N", help="write N gzip N-Quads shards and a manifest into folder -o"
    )
    p.add_argument("--force", action="store_true", help="with --shards: replace the shards in a non-empty -o")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("push", help="bulk-load a shard folder (export --shards) into Virtuoso or Oxigraph")
    p.add_argument("folder", metavar="DIR", help="the shard folder")
    p.add_argument("--bulk", action="store_true", help="use the engine's bulk loader (the only mode)")
    p.add_argument("--engine", choices=("virtuoso", "oxigraph"), required=True)
    p.add_argument("--isql", default="127.0.0.1:1111", metavar="HOST:PORT", help="Virtuoso's SQL port")
    p.add_argument("--user", default="dba", help="Virtuoso user (default dba)")
    p.add_argument(
        "--password-env",
        default="BUDGETKG_VIRTUOSO_PASSWORD",
        metavar="VAR",
        help="environment variable holding the Virtuoso password (default BUDGETKG_VIRTUOSO_PASSWORD)",
    )
    p.add_argument("--isql-bin", default="isql-vt", help="the isql executable (default isql-vt)")
    p.add_argument("--location", metavar="STOREDIR", help="Oxigraph: the store folder to load into")
    p.add_argument("--oxigraph-bin", default="oxigraph", help="the oxigraph executable (default oxigraph)")
    p.add_argument("--format", choices=("text", "json"), default="text", help="the summary's format")
    p.set_defaults(func=cmd_push)

    p = with_store(sub.add_parser("validate", help="SHACL-validate every document; exit 1 on violations"))
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=cmd_validate)

    p = with_store(sub.add_parser("query", help="run a named SPARQL query (queries/*.rq)"))
    p.add_argument("name", nargs="?", help="the query's name (see --list)")
    p.add_argument("--list", action="store_true", help="list the named queries and their parameters")
    p.add_argument(
        "--param", action="append", default=[], metavar="KEY=VALUE", help="a parameter (repeatable)"
    )
    p.add_argument("--format", choices=("table", "csv", "json"), default="table")
    p.add_argument(
        "--sparql", action="store_true", help="print the SPARQL with parameters filled in; run nothing"
    )
    p.set_defaults(func=cmd_query)

    p = sub.add_parser("synth", help="generate made-up disclosures with truth files")
    p.add_argument("--n", type=int, default=20)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", required=True)
    p.add_argument("--hazards", action="store_true", help="inject page breaks, duplicates, OCR slips")
    p.add_argument(
        "--layout",
        choices=[*SYNTH_LAYOUTS, "mixed"],
        default="tsv",
        help="the seeds' layout to write (default tsv); mixed rotates them",
    )
    p.set_defaults(func=cmd_synth)

    p = with_store(sub.add_parser("serve", help="serve the API and pages"))
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.set_defaults(func=cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except BudgetKGError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
