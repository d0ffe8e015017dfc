"""Trains the `implicit` library's CPU ALS on a matrix written by bench/system/als-implicit.ts.

    python als_implicit.py <dir> --threads N --tag NAME [--init]

<dir> holds matrix.json (shape, nnz and our ALS options) and the user x item matrix as raw
little-endian files: indptr.u32 (rows + 1), indices.u32 and values.f32 (nnz each). With --init
the starting factors come from init-users.f32 / init-items.f32 instead of implicit's generator,
so both libraries start from the same point. Writes NAME-users.f32 and NAME-items.f32 (row-major
f32 factors) and NAME.json (timings, versions, threads) to <dir>.

Confidence: our ALS gives a stored entry confidence 1 + alpha * value. implicit (>= 0.5) uses the
stored value itself as the confidence: it multiplies the matrix by its `alpha` (skipped when alpha
is 1), then its CG solver adds (c - 1) * y y^T to Y^T Y + reg * I and c * y to the right-hand side
(implicit/cpu/_als.pyx). So it is given values 1 + alpha * value and alpha = 1: both libraries
then minimise the same objective, with the same regularisation (not scaled by row counts).
"""

import argparse
import json
import os
import platform
import sys
import time

# implicit asks for a single-threaded BLAS (its threads come from OpenMP); a threaded BLAS would
# also compete with them. Must be set before numpy loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import scipy  # noqa: E402
import scipy.sparse  # noqa: E402
import implicit  # noqa: E402
from implicit.cpu.als import AlternatingLeastSquares  # noqa: E402
from threadpoolctl import threadpool_info  # noqa: E402


def read(path, dtype, count):
    data = np.fromfile(path, dtype=dtype)
    if data.size != count:
        raise SystemExit(f"{path}: {data.size} values, expected {count}")
    return data


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dir")
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--tag", required=True)
    parser.add_argument("--init", action="store_true")
    args = parser.parse_args()

    with open(os.path.join(args.dir, "matrix.json"), encoding="utf-8") as f:
        meta = json.load(f)
    rows, cols, nnz = meta["rows"], meta["cols"], meta["nnz"]
    opts = meta["als"]
    factors = opts["factors"]

    indptr = read(os.path.join(args.dir, "indptr.u32"), "<u4", rows + 1)
    indices = read(os.path.join(args.dir, "indices.u32"), "<u4", nnz)
    values = read(os.path.join(args.dir, "values.f32"), "<f4", nnz)
    # Our confidence 1 + alpha * value as implicit's stored confidence (see the module docstring).
    confidence = (1.0 + np.float32(opts["alpha"]) * values).astype(np.float32)
    # int32 indices: what scipy builds itself at this size, and what implicit's kernels expect.
    user_items = scipy.sparse.csr_matrix(
        (confidence, indices.astype(np.int32), indptr.astype(np.int32)), shape=(rows, cols)
    )

    model = AlternatingLeastSquares(
        factors=factors,
        regularization=opts["regularization"],
        alpha=1.0,
        dtype=np.float32,
        use_native=True,
        use_cg=True,
        iterations=opts["iterations"],
        calculate_training_loss=False,
        num_threads=args.threads,
        random_state=opts["seed"],
    )
    model.cg_steps = opts["cgSteps"]
    if args.init:
        # fit() keeps factors that are already set instead of drawing new ones.
        model.user_factors = read(
            os.path.join(args.dir, "init-users.f32"), "<f4", rows * factors
        ).reshape(rows, factors)
        model.item_factors = read(
            os.path.join(args.dir, "init-items.f32"), "<f4", cols * factors
        ).reshape(cols, factors)

    seconds = []

    # Called after each iteration with the time of its two solves, the span our onIteration
    # measures too (the transpose and the initialisation are outside it in both).
    def on_iteration(_iteration, elapsed, _loss):
        seconds.append(elapsed)

    started = time.perf_counter()
    cpu_started = time.process_time()
    model.fit(user_items, show_progress=False, callback=on_iteration)
    fit_seconds = time.perf_counter() - started
    # CPU seconds of all our threads per wall second: below the thread count when other work on
    # the machine took cores away during the fit.
    cpu_per_wall = (time.process_time() - cpu_started) / fit_seconds

    np.ascontiguousarray(model.user_factors, dtype="<f4").tofile(
        os.path.join(args.dir, f"{args.tag}-users.f32")
    )
    np.ascontiguousarray(model.item_factors, dtype="<f4").tofile(
        os.path.join(args.dir, f"{args.tag}-items.f32")
    )
    report = {
        "implicit": implicit.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "python": platform.python_version(),
        "threads": args.threads,
        "init": "shared" if args.init else "implicit",
        "secondsPerIteration": seconds,
        "fitSeconds": fit_seconds,
        "cpuPerWall": cpu_per_wall,
        "blas": ", ".join(
            f"{p.get('internal_api')} {p.get('version')} ({p.get('num_threads')} threads)"
            for p in threadpool_info()
            if p.get("user_api") == "blas"
        ),
    }
    with open(os.path.join(args.dir, f"{args.tag}.json"), "w", encoding="utf-8") as f:
        json.dump(report, f)


if __name__ == "__main__":
    sys.exit(main())
