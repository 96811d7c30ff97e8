"""Convert the 5,000-digit MNIST subset (CSV, gzip) into the compact .npz Forward Lab ships.

Usage: python scripts/make_mnist_npz.py [SOURCE.csv.gz] [TARGET.npz]
Defaults: ../shared/data/mnist_5k.csv.gz -> content/data/mnist_5k.npz.

Each CSV row is one digit: 784 grey pixels 0-255 (row by row), then the label. The output holds
`images` (uint8 [N, 28, 28]) and `labels` (uint8 [N]) in the CSV's order; the training/held-out
split is made where the data is used (grader.modes.train), not here. See content/data/README.md for
the data's provenance and licence.
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT.parent / "shared" / "data" / "mnist_5k.csv.gz"
TARGET = ROOT / "content" / "data" / "mnist_5k.npz"


def convert(source: Path, target: Path) -> tuple[int, int]:
    """Write `target` from `source`; returns (digits written, bytes written)."""
    with gzip.open(source, "rt") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.int64)
    if table.ndim != 2 or table.shape[1] != 785:
        raise ValueError(f"{source}: expected 785 columns (784 pixels and a label), got {table.shape}")
    if table.min() < 0 or table[:, :784].max() > 255 or table[:, 784].max() > 9:
        raise ValueError(f"{source}: pixels must be 0-255 and labels 0-9")
    images = table[:, :784].astype(np.uint8).reshape(-1, 28, 28)
    labels = table[:, 784].astype(np.uint8)
    target.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(target, images=images, labels=labels)
    return len(labels), target.stat().st_size


def main(argv: list[str]) -> int:
    source = Path(argv[0]) if argv else SOURCE
    target = Path(argv[1]) if len(argv) > 1 else TARGET
    count, size = convert(source, target)
    print(f"{count} digits written to {target} ({size / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
