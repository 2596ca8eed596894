"""Commitment letters per second: the project's batch path against one render call per letter.

Run with `make bench-pdf`. Builds the demo town in a throwaway SQLite database (once), then measures each
path in a fresh process so peak memory is that path's own:

- naive: one WeasyPrint render and write per letter (how a first version would print them), on a sample;
- batch: commitments.pdf.render_batch for 100 and for 1,000 letters (the demo town's letters, repeated).

Prints pages/s, the ratio, peak memory (largest process, MB) and bytes per page; the last line is
RESULT batch_pages_per_s=… naive_pages_per_s=… ratio=… peak_mb_100=… peak_mb_1000=…
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import demo_db, demo_path, setup_django  # noqa: E402

NAIVE_SAMPLE = 40


def letter_sections(n):
    from commitments.documents import letter, letters_of
    from grids.models import Village

    sections = [letter(a) for a in letters_of(list(Village.objects.values_list("pk", flat=True)))]
    return [sections[i % len(sections)] for i in range(n)]


def peak_mb():
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def run(path, n):
    setup_django(demo_path())
    from commitments.pdf import render_batch, render_pdf

    sections = letter_sections(n)
    started = time.perf_counter()
    if path == "naive":
        pages = size = 0
        for section in sections:
            pdf, count = render_pdf([section], "承诺书")
            pages, size = pages + count, size + len(pdf)
    else:
        pdf, pages = render_batch(sections, "承诺书")
        size = len(pdf)
    seconds = time.perf_counter() - started
    print(json.dumps({"pages": pages, "seconds": seconds, "peak_mb": peak_mb(), "bytes": size}))


def measure(path, n):
    out = subprocess.run([sys.executable, __file__, "--run", path, "--n", str(n)], capture_output=True, text=True)
    if out.returncode:
        sys.exit(out.stderr)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["pages_per_s"] = result["pages"] / result["seconds"]
    print(
        f"{path:>5} {n:>5} letters: {result['pages']} pages in {result['seconds']:.2f} s = "
        f"{result['pages_per_s']:.1f} pages/s, peak {result['peak_mb']:.0f} MB, "
        f"{result['bytes'] / result['pages'] / 1024:.1f} KB/page"
    )
    return result


def main():
    demo_db()
    print(f"{os.cpu_count()} CPU cores")
    naive = measure("naive", NAIVE_SAMPLE)
    batch_100 = measure("batch", 100)
    batch_1000 = measure("batch", 1000)
    ratio = batch_1000["pages_per_s"] / naive["pages_per_s"]
    speeds = f"batch_pages_per_s={batch_1000['pages_per_s']:.1f} naive_pages_per_s={naive['pages_per_s']:.1f}"
    print(
        f"RESULT {speeds} ratio={ratio:.1f} peak_mb_100={batch_100['peak_mb']:.0f} "
        f"peak_mb_1000={batch_1000['peak_mb']:.0f}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", choices=["naive", "batch"])
    parser.add_argument("--n", type=int, default=100)
    args = parser.parse_args()
    run(args.run, args.n) if args.run else main()
