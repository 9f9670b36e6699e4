"""The site's downloads: each tidy table as Parquet and CSV, the snapshot's manifest, and their checksums."""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from analysis.snapshot import MANIFEST

#: The checksum file, in the format `sha256sum --check` reads.
CHECKSUMS = "SHA256SUMS"


@dataclass(frozen=True)
class Download:
    """One file a reader can download: its name in the downloads folder, size and SHA-256."""

    name: str
    size: int
    sha256: str


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def flat(table: pl.DataFrame) -> pl.DataFrame:
    """`table` with every nested column made text, as CSV needs: lists joined by ";", structs as JSON."""
    columns = []
    for name, dtype in table.schema.items():
        column = pl.col(name)
        if isinstance(dtype, pl.List):
            column = column.cast(pl.List(pl.String)).list.join(";")
        elif isinstance(dtype, pl.Struct):
            column = column.struct.json_encode()
        columns.append(column)
    return table.select(columns)


def write(processed: Path, snapshot: Path, out: Path) -> list[Download]:
    """Copy the tidy tables (and a CSV of each) and the snapshot's manifest into `out`, with SHA256SUMS."""
    out.mkdir(parents=True, exist_ok=True)
    for table in sorted(processed.glob("*.parquet")):
        shutil.copy2(table, out / table.name)
        flat(pl.read_parquet(table)).write_csv(out / f"{table.stem}.csv")
    for name in ("quality.json", "facts.json"):
        if (processed / name).is_file():
            shutil.copy2(processed / name, out / name)
    shutil.copy2(snapshot / MANIFEST, out / MANIFEST)
    made = [
        Download(p.name, p.stat().st_size, file_sha256(p))
        for p in sorted(out.iterdir())
        if p.is_file() and p.name != CHECKSUMS
    ]
    (out / CHECKSUMS).write_text("".join(f"{d.sha256}  {d.name}\n" for d in made))
    return made
