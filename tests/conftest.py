from pathlib import Path

import pytest

from disclosures.importing.loader import document_import, read_source

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SEED_FILES = {
    "000": SEEDS / "000_c39a960be00f8cec.txt",
    "001": SEEDS / "001_49b48d5cdbcf261b.txt",
    "002": SEEDS / "002_7d06cbc203346049.txt",
    "003": SEEDS / "003_09d390ab03797a85.txt",
    "004": SEEDS / "004_cab738b0acffaaf0.txt",
}


def seed_text(name: str) -> str:
    return read_source(SEED_FILES[name])


@pytest.fixture
def import_seed(db):
    """import_seed("001") → ImportReport, importing the real seed document."""

    def run(name: str, *, publish: bool = False, text: str | None = None):
        path = SEED_FILES[name]
        return document_import(
            text=text if text is not None else read_source(path), file_name=path.name, publish=publish
        )

    return run
