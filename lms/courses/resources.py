"""Module resources: links, and uploaded files checked by content and stored outside static/."""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

from lms.courses.models import Module, Resource
from lms.courses.services import RuleError
from lms.extensions import db

# extension -> (content type, check of the first bytes)
ALLOWED_TYPES = {
    "pdf": ("application/pdf", lambda head: head.startswith(b"%PDF-")),
    "png": ("image/png", lambda head: head.startswith(b"\x89PNG\r\n\x1a\n")),
    "jpg": ("image/jpeg", lambda head: head.startswith(b"\xff\xd8\xff")),
    "jpeg": ("image/jpeg", lambda head: head.startswith(b"\xff\xd8\xff")),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             lambda head: head.startswith(b"PK\x03\x04")),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation",
             lambda head: head.startswith(b"PK\x03\x04")),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             lambda head: head.startswith(b"PK\x03\x04")),
    "txt": ("text/plain", lambda head: b"\x00" not in head),
}
MAX_FILE_BYTES = 8 * 1024 * 1024


def upload_dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def add_link(module: Module, title: str, url: str) -> Resource:
    if not url.startswith(("https://", "http://")):
        raise RuleError(_("A link must start with https:// or http://."))
    resource = Resource(module=module, title=title, url=url)
    db.session.add(resource)
    db.session.flush()
    return resource


def add_file(module: Module, title: str, upload: FileStorage) -> Resource:
    filename = secure_filename(upload.filename or "") or "file"
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in ALLOWED_TYPES:
        raise RuleError(_("Files of this type are not accepted. Allowed: %(types)s.",
                          types=", ".join(sorted(ALLOWED_TYPES))))
    data = upload.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise RuleError(_("The file is larger than %(mb)d MB.", mb=MAX_FILE_BYTES // (1024 * 1024)))
    if not data:
        raise RuleError(_("The file is empty."))
    content_type, looks_right = ALLOWED_TYPES[extension]
    if not looks_right(data[:16]):
        raise RuleError(_("The file's content does not match its .%(ext)s name.", ext=extension))
    stored_name = secrets.token_hex(16)
    (upload_dir() / stored_name).write_bytes(data)
    resource = Resource(module=module, title=title or filename, filename=filename, stored_name=stored_name,
                        content_type=content_type, size=len(data))
    db.session.add(resource)
    db.session.flush()
    return resource


def delete_resource(resource: Resource) -> None:
    if resource.stored_name:
        (upload_dir() / resource.stored_name).unlink(missing_ok=True)
    db.session.delete(resource)
    db.session.flush()


def resource_path(resource: Resource) -> Path:
    return upload_dir() / resource.stored_name
