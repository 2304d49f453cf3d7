"""Benchmark of the disclosure PDF (not a test): WeasyPrint against headless Chromium on the same document.

    .venv/bin/python bench/render_pdf.py [--id N] [--runs 3] [--workers 2] [--requests 20]

Uses the database the settings name (the development database after ``manage.py load_demo``). The default
disclosure is the 2026 budget of unit 222001 (seed 001, 晋城市应急管理局, ~90 pages with 33 performance forms).

Prints, for that disclosure:

* WeasyPrint, as render_disclosure_pdf renders it (HTML built, laid out and written --runs times), in one process
  and in parallel (--workers forked processes besides this one, disclosures/pdf_parallel.py): pages, seconds
  (median), CPU seconds of all processes, peak Python memory (one process only: tracemalloc, one extra run, not
  timed), max RSS (resource.getrusage: the largest of this process and its reaped children) and the file size;
* headless Chromium printing the same standalone HTML (render_document_html(standalone=True)) --runs times: pages
  (pdfinfo), seconds (median) and the max RSS of the chromium process tree (wait4 of the child: its own children
  included as far as it waited for them);
* the ratio of each WeasyPrint median to Chromium's;
* serving the cached PDF of a published disclosure: published_pdf's second call and an HTTP GET of
  /disclosures/<pk>/pdf/ through django.test.Client (median of --requests each).

Seconds are wall-clock: on a machine shared with other work, run it more than once.
"""

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-pdf-header-footer",
)


def median(values):
    return statistics.median(values) if values else float("nan")


def pdf_pages(path: Path) -> int | None:
    pdfinfo = shutil.which("pdfinfo")
    if not pdfinfo:
        return None
    out = subprocess.run([pdfinfo, str(path)], capture_output=True, text=True, check=True).stdout
    return next((int(line.split()[-1]) for line in out.splitlines() if line.startswith("Pages:")), None)


def default_disclosure():
    from disclosures.models import Disclosure

    return (
        Disclosure.objects.with_unit()
        .filter(unit__code="222001", fiscal_year=2026, kind=Disclosure.Kind.BUDGET)
        .order_by("-version")
        .first()
    )


def _cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def bench_weasyprint(disclosure, runs: int, workers: int) -> dict:
    """render_disclosure_pdf's work (HTML, layout, PDF) with ``workers`` processes (1: in this process)."""
    from disclosures import pdf

    html = pdf.render_document_html(disclosure)
    pdf.render_html_pdf("<p>warm-up</p>", workers=1)  # fonts and stylesheets are loaded once per process
    seconds, cpu, result = [], [], b""
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), _cpu_seconds()
        result = pdf.render_html_pdf(pdf.render_document_html(disclosure), workers=workers)
        seconds.append(time.perf_counter() - start)
        cpu.append(_cpu_seconds() - start_cpu)  # the workers' too: they are reaped before the render returns
    # Before the traced run: tracemalloc's own bookkeeping would add to the RSS.
    rss_kib = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    )
    peak = None
    if workers == 1:  # tracemalloc sees this process only
        tracemalloc.start()
        pdf.render_html_pdf(html, workers=1)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(result)
        handle.flush()
        pages = pdf_pages(Path(handle.name))
    return {
        "label": "WeasyPrint" if workers == 1 else f"WeasyPrint ({workers}+1 proc)",
        "pages": pages,
        "seconds": median(seconds),
        "runs": seconds,
        "cpu": median(cpu),
        "tracemalloc_mib": None if peak is None else peak / 2**20,
        "max_rss_mib": rss_kib / 1024,
        "bytes": len(result),
    }


def bench_chromium(disclosure, runs: int) -> dict | None:
    from disclosures import pdf

    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not chromium:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "disclosure.html"
        source.write_text(pdf.render_document_html(disclosure, standalone=True), encoding="utf-8")
        target = Path(tmp) / "chromium.pdf"
        # A child forked from this process starts with its RSS as high-water mark, kept across exec: GNU time,
        # itself small, reports the max RSS of chromium as its child. Without it the figure is an upper bound.
        gnu_time = "/usr/bin/time" if Path("/usr/bin/time").exists() else None
        rss_file = Path(tmp) / "rss"
        seconds, cpu, rss = [], [], []
        for _ in range(runs):
            target.unlink(missing_ok=True)
            command = [chromium, *CHROMIUM_FLAGS, f"--print-to-pdf={target}", source.as_uri()]
            if gnu_time:
                command = [gnu_time, "-f", "%M", "-o", str(rss_file), *command]
            start = time.perf_counter()
            child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _, status, usage = os.wait4(child.pid, 0)
            seconds.append(time.perf_counter() - start)
            cpu.append(usage.ru_utime + usage.ru_stime)  # the whole process tree, as far as it waited for it
            child.returncode = os.waitstatus_to_exitcode(status)
            if child.returncode != 0 or not target.exists():
                raise SystemExit(f"chromium failed ({child.returncode}): {' '.join(command)}")
            rss.append(int(rss_file.read_text().split()[-1]) / 1024 if gnu_time else usage.ru_maxrss / 1024)
        return {
            "pages": pdf_pages(target),
            "seconds": median(seconds),
            "runs": seconds,
            "cpu": median(cpu),
            "max_rss_mib": max(rss),
        }


def bench_cached(disclosure, requests: int) -> dict:
    from django.conf import settings
    from django.test import Client
    from django.urls import reverse

    from disclosures import pdf
    from disclosures.models import Disclosure

    if disclosure.status != Disclosure.Status.PUBLISHED:
        return {}
    pdf.published_pdf(disclosure)  # renders and stores it unless it is stored already
    calls = []
    for _ in range(requests):
        start = time.perf_counter()
        pdf.published_pdf(disclosure)
        calls.append(time.perf_counter() - start)
    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client, url, gets = Client(), reverse("disclosures:pdf", args=[disclosure.pk]), []
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        gets.append(time.perf_counter() - start)
        if response.status_code != 200 or not body.startswith(b"%PDF"):
            raise SystemExit(f"GET {url}: {response.status_code}")
    return {"published_pdf": median(calls), "get": median(gets), "url": url}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--id", type=int, help="disclosure pk (default: the 2026 budget of unit 222001)")
    parser.add_argument("--runs", type=int, default=3, help="timed renders per renderer (median)")
    parser.add_argument("--workers", type=int, default=2, help="processes of the parallel render (1: skip it)")
    parser.add_argument("--requests", type=int, default=20, help="timed cached reads and GETs (median)")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    import logging

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    from disclosures.models import Disclosure

    disclosure = Disclosure.objects.with_unit().get(pk=args.id) if args.id else default_disclosure()
    if disclosure is None:
        raise SystemExit("no 2026 budget of unit 222001: run manage.py load_demo, or pass --id")

    # One process first: the RSS high-water marks only grow.
    weasies = [bench_weasyprint(disclosure, args.runs, 1)]
    if args.workers > 1:
        weasies.append(bench_weasyprint(disclosure, args.runs, args.workers))
    chromium = bench_chromium(disclosure, args.runs)
    cached = bench_cached(disclosure, args.requests)

    print(f"{disclosure} (pk {disclosure.pk}), {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}")
    print(f"{'renderer':<22}{'pages':>6}{'seconds':>9}{'CPU s':>7}{'tracemalloc':>13}{'max RSS':>10}  runs (s)")
    for weasy in weasies:
        traced = "-" if weasy["tracemalloc_mib"] is None else f"{weasy['tracemalloc_mib']:.0f} MiB"
        print(
            f"{weasy['label']:<22}{weasy['pages'] or '?':>6}{weasy['seconds']:>9.2f}{weasy['cpu']:>7.2f}"
            f"{traced:>13}{weasy['max_rss_mib']:>6.0f} MiB  "
            + " ".join(f"{s:.2f}" for s in weasy["runs"])
            + f"  ({weasy['bytes'] / 2**20:.2f} MiB file)"
        )
    if chromium:
        print(
            f"{'Chromium (headless)':<22}{chromium['pages'] or '?':>6}{chromium['seconds']:>9.2f}"
            f"{chromium['cpu']:>7.2f}{'-':>13}{chromium['max_rss_mib']:>6.0f} MiB  "
            + " ".join(f"{s:.2f}" for s in chromium["runs"])
        )
        for weasy in weasies:
            print(f"{'ratio ' + weasy['label'] + '/Chromium':<40}{weasy['seconds'] / chromium['seconds']:>6.2f}")
        print("  (CPU s counts the processes reaped (Chromium's: a lower bound); max RSS of the parallel run is the")
        print("   largest single process. Seconds are wall-clock.)")
    else:
        print("Chromium (headless)   not installed")
    if cached:
        print(f"{'cached: published_pdf()':<28}{cached['published_pdf'] * 1000:>9.2f} ms (median of {args.requests})")
        print(f"{'cached: GET ' + cached['url']:<28}{cached['get'] * 1000:>9.2f} ms (median of {args.requests})")
    else:
        print("cached PDF: the disclosure is not published")


if __name__ == "__main__":
    main()
