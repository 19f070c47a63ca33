"""Backup and restore: every table as JSON lines plus the stored files (certificate PDFs, uploads), in one
.tar.gz that restores into an empty database of either kind (SQLite or PostgreSQL)."""

from __future__ import annotations

import io
import json
import tarfile
from datetime import date, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import Date, DateTime, func, select, text

from lms.extensions import db
from lms.timeutil import utcnow

FORMAT = 1


def _folders() -> dict[str, Path]:
    return {"certificates": Path(current_app.config["CERTIFICATE_DIR"]),
            "uploads": Path(current_app.config["UPLOAD_DIR"])}


def _encode(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def backup(target: Path) -> dict:
    """Write the backup; returns the manifest (row counts per table)."""
    counts = {}
    lines = []
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(select(table)).mappings().all()
        counts[table.name] = len(rows)
        for row in rows:
            lines.append(json.dumps({"t": table.name, "r": {k: _encode(v) for k, v in row.items()}},
                                    ensure_ascii=False))
    revision = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar() \
        if _has_alembic() else None
    manifest = {"format": FORMAT, "created": utcnow().isoformat(), "revision": revision, "counts": counts}
    target.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(target, "w:gz") as archive:
        _add_bytes(archive, "manifest.json", json.dumps(manifest, indent=2).encode())
        _add_bytes(archive, "data.jsonl", ("\n".join(lines) + "\n").encode())
        for name, folder in _folders().items():
            if folder.is_dir():
                for path in sorted(folder.iterdir()):
                    if path.is_file():
                        archive.add(path, arcname=f"files/{name}/{path.name}")
    return manifest


def _has_alembic() -> bool:
    from sqlalchemy import inspect

    return inspect(db.engine).has_table("alembic_version")


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(utcnow().timestamp())
    archive.addfile(info, io.BytesIO(data))


class RestoreError(Exception):
    pass


def restore(source: Path) -> dict:
    """Load a backup into this (migrated, empty) database and put the files back. Returns the manifest."""
    from lms.auth.models import User

    if db.session.scalar(select(func.count()).select_from(User)):
        raise RestoreError("The database is not empty; restore into a freshly migrated database.")
    folders = _folders()
    with tarfile.open(source, "r:gz") as archive:
        manifest = json.loads(archive.extractfile("manifest.json").read())
        if manifest.get("format") != FORMAT:
            raise RestoreError("This backup was made by an incompatible version.")
        tables = {t.name: t for t in db.metadata.sorted_tables}
        batches: dict[str, list[dict]] = {name: [] for name in tables}
        for line in archive.extractfile("data.jsonl").read().decode().splitlines():
            if line.strip():
                item = json.loads(line)
                batches[item["t"]].append(_decode(tables[item["t"]], item["r"]))
        for table in db.metadata.sorted_tables:
            if batches[table.name]:
                db.session.execute(table.insert(), batches[table.name])
        for member in archive.getmembers():
            parts = member.name.split("/")
            # Only plain files straight under files/<known folder>/: nothing can be written elsewhere.
            if member.isfile() and len(parts) == 3 and parts[0] == "files" and parts[1] in folders \
                    and parts[2] not in ("", ".", ".."):
                folder = folders[parts[1]]
                folder.mkdir(parents=True, exist_ok=True)
                (folder / Path(parts[2]).name).write_bytes(archive.extractfile(member).read())
    _reset_sequences()
    db.session.flush()
    return manifest


def _decode(table, row: dict) -> dict:
    out = {}
    for key, value in row.items():
        column = table.columns[key]
        if value is not None and isinstance(column.type, DateTime):
            value = datetime.fromisoformat(value)
        elif value is not None and isinstance(column.type, Date):
            value = date.fromisoformat(value)
        out[key] = value
    return out


def _reset_sequences() -> None:
    """PostgreSQL's id sequences must continue after the restored ids."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in db.metadata.sorted_tables:
        if "id" in table.columns and table.columns["id"].autoincrement is not False:
            db.session.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608 - our table names
                f"COALESCE((SELECT MAX(id) FROM \"{table.name}\"), 1))"))
