"""Tuning tools behind ``anju classify`` and ``anju parse-date``."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from nlp.classifier import Classifier
from nlp.dates import format_when, parse_when
from nlp.evaluate import (
    cross_validate,
    evaluate,
    format_cross_validation,
    format_report,
    load_jsonl,
)

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "nlp"
FIELDS = ("text", "intent", "category", "area", "urgent", "department", "score", "matched")


def _texts(stream: TextIO) -> list[str]:
    out = []
    for line in stream:
        line = line.rstrip("\n")
        if not line.strip():
            continue
        if line.lstrip().startswith("{"):
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                obj = None
            if isinstance(obj, dict) and isinstance(obj.get("text"), str):
                out.append(obj["text"])
                continue
        out.append(line)
    return out


def classify_command(argv: list[str]) -> int:
    """``anju classify [FILE] [--explain] [--eval FILE.jsonl] [--rules PATH]``."""
    ap = argparse.ArgumentParser(prog="anju classify", description="Classify owner messages.")
    ap.add_argument(
        "file", nargs="?", help="text lines or JSONL with a 'text' field (default stdin)"
    )
    ap.add_argument("--explain", action="store_true", help="add the reasoning to each result")
    ap.add_argument("--eval", metavar="FILE.jsonl", help="score a labelled set instead")
    ap.add_argument(
        "--rules", metavar="PATH", help="rule file to use (default nlp/rules/rules.toml)"
    )
    ap.add_argument("--max-errors", type=int, default=200, help="misclassified lines to list")
    ap.add_argument(
        "--train",
        nargs="*",
        metavar="FILE.jsonl",
        help="fit the learned word weights to labelled sets (default: data/nlp/*.jsonl) "
        "and write them where the rules' [meta] learned points",
    )
    ap.add_argument(
        "--cv",
        nargs="*",
        metavar="FILE.jsonl",
        help="cross-validate the learned weights on labelled sets (default: data/nlp/*.jsonl): "
        "out-of-fold accuracy and an urgent threshold sweep (about a minute per fold)",
    )
    ap.add_argument("--folds", type=int, default=5, help="folds for --cv (default 5)")
    ap.add_argument(
        "--by-file",
        action="store_true",
        help="--cv with whole files per fold: each file's writer and scenario unseen, as on "
        "a new held-out set (a sterner estimate than shuffled folds)",
    )
    args = ap.parse_args(argv)
    if args.train is not None:
        return _train(args.train, Path(args.rules) if args.rules else None)
    if args.cv is not None:
        rules_path = Path(args.rules) if args.rules else None
        return _cross_validate(args.cv, rules_path, args.folds, by_file=args.by_file)
    try:
        clf = Classifier.load(Path(args.rules) if args.rules else None)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.eval:
        try:
            rows = load_jsonl(Path(args.eval))
        except (OSError, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(format_report(evaluate(clf, rows), max_errors=args.max_errors))
        return 0
    if args.file:
        with open(args.file, encoding="utf-8") as fh:
            texts = _texts(fh)
    else:
        texts = _texts(sys.stdin)
    for text in texts:
        a = clf.analyze(text)
        full = a.as_dict(explain=args.explain)
        out = {k: full[k] for k in FIELDS}
        if args.explain:
            out.update(place=a.place, confident=a.confident, explanation=full["explanation"])
        print(json.dumps(out, ensure_ascii=False))
    return 0


def _labelled(files: list[str]) -> tuple[list[Path], list[dict[str, object]], list[str]] | None:
    """The labelled sets ``files`` (default: every set in data/nlp/), their rows and each
    row's file name, or None after printing what is wrong."""
    from nlp.learned import read_labelled

    paths = [Path(f) for f in files] or sorted(DATA_DIR.glob("*.jsonl"))
    rows: list[dict[str, object]] = []
    names: list[str] = []
    try:
        for p in paths:
            got = list(read_labelled([p]))
            rows += got
            names += [str(p)] * len(got)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None
    return paths, rows, names


def _with_labelled(
    files: list[str], rules_path: Path | None
) -> tuple[Classifier, Path, list[Path], list[dict[str, object]], list[str]] | None:
    """The classifier, the learned file its rules name, and the labelled sets (``_labelled``),
    or None after printing what is wrong: what --train and --cv both start from."""
    clf = Classifier.load(rules_path)
    target = clf.rules.learned
    if target is None:
        print("error: the rules name no learned file ([meta] learned)", file=sys.stderr)
        return None
    labelled = _labelled(files)
    if labelled is None:
        return None
    return (clf, target, *labelled)


def _cross_validate(
    files: list[str], rules_path: Path | None, folds: int, *, by_file: bool = False
) -> int:
    setup = _with_labelled(files, rules_path)
    if setup is None:
        return 2
    clf, _, _, rows, names = setup
    try:
        cv = cross_validate(clf, rows, folds=folds, groups=names if by_file else None)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(format_cross_validation(cv))
    return 0


def _train(files: list[str], rules_path: Path | None) -> int:
    import time

    from nlp.learned import train

    setup = _with_labelled(files, rules_path)
    if setup is None:
        return 2
    clf, target, paths, rows, _ = setup
    t0 = time.perf_counter()
    model = train(rows, clf.tokens)
    model.dump(target)
    words = {dim: len(t.weights) for dim, t in model.tables.items()}
    print(
        f"trained on {len(rows)} messages from {len(paths)} files in "
        f"{time.perf_counter() - t0:.1f} s; words per dimension {words}; wrote {target}"
    )
    return 0


def parse_date_command(argv: list[str]) -> int:
    """``anju parse-date TEXT [--now ISO] [--tz TZ] [--mode future|past|any]``."""
    ap = argparse.ArgumentParser(
        prog="anju parse-date", description="Parse a Chinese/English time."
    )
    ap.add_argument("text", nargs="+")
    ap.add_argument("--now", help="reference time, ISO 8601 (default: now)")
    ap.add_argument("--tz", default="Asia/Shanghai")
    ap.add_argument("--mode", choices=("future", "past", "any"), default="future")
    ap.add_argument("--format", action="store_true", help="also print the display form")
    args = ap.parse_args(argv)
    zone = ZoneInfo(args.tz)
    now = datetime.fromisoformat(args.now) if args.now else datetime.now(zone)
    expr = parse_when(" ".join(args.text), now, tz=args.tz, mode=args.mode)
    if expr is None:
        print("not understood")
        return 1
    if expr.kind == "point":
        print(expr.start.isoformat())
    else:
        assert expr.end is not None
        print(f"{expr.start.isoformat()}/{expr.end.isoformat()}")
    if args.format:
        print(format_when(expr))
    return 0
