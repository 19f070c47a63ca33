"""Certificate commands: `flask --app app certificate-pdf CODE -o FILE` and `render-certificates`."""

from __future__ import annotations

import shutil
import sys

import click
from flask import Flask
from sqlalchemy import select

from lms.extensions import db


def register_certificate_commands(app: Flask) -> None:
    @app.cli.command("certificate-pdf")
    @click.argument("code")
    @click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False, writable=True),
                  help="Where to write the PDF.")
    def certificate_pdf_command(code: str, output: str) -> None:
        """Write the PDF of the certificate with CODE (rendering and storing it first if needed)."""
        from lms.certificates.codes import CodeError, normalise
        from lms.certificates.models import ISSUED, Certificate
        from lms.certificates.pdf import store_pdf, stored_pdf_path

        try:
            code = normalise(code)
        except CodeError as exc:
            raise click.ClickException(f"{code!r}: {exc}") from None
        certificate = db.session.scalar(select(Certificate).where(Certificate.code == code))
        if certificate is None:
            raise click.ClickException(f"No certificate has the code {code}.")
        path = stored_pdf_path(certificate)
        if path is None:
            if certificate.status != ISSUED:
                raise click.ClickException(f"Certificate {code} is {certificate.status}: only issued certificates "
                                           "are rendered.")
            if not store_pdf(certificate):
                raise click.ClickException(f"The PDF of {code} could not be stored; see the log.")
            db.session.commit()
            path = stored_pdf_path(certificate)
        shutil.copyfile(path, output)
        click.echo(f"{code} ({certificate.holder_name}) written to {output}.")

    @app.cli.command("render-certificates")
    @click.option("--cohort", "cohort_id", type=int, default=None, help="Only the certificates of this cohort.")
    @click.option("--all", "all_", is_flag=True, help="Every cohort (the default).")
    @click.option("--force", is_flag=True, help="Render again the PDFs already rendered.")
    @click.option("--processes", type=click.IntRange(1, 256), default=None,
                  help="Worker processes (default: one per core).")
    def render_certificates_command(cohort_id: int | None, all_: bool, force: bool, processes: int | None) -> None:
        """Render, on all cores, the issued certificates' PDFs not yet rendered (all of them with --force)."""
        from lms.certificates.pdf import certificates_to_render, render_many
        from lms.courses.models import Cohort

        if cohort_id is not None and all_:
            raise click.UsageError("Give --cohort ID or --all, not both.")
        if cohort_id is not None and db.session.get(Cohort, cohort_id) is None:
            raise click.ClickException(f"No cohort has the id {cohort_id}.")
        ids = certificates_to_render(cohort_id, force=force)
        db.session.commit()  # workers read the certificates through their own connections
        if not ids:
            click.echo("0 certificates rendered: nothing to render.")
            return
        try:
            with click.progressbar(length=len(ids), label="Rendering certificates", file=sys.stderr) as bar:
                result = render_many(ids, force=force, processes=processes, progress=bar.update)
        except OSError as exc:  # the store cannot be made or written
            raise click.ClickException(f"Cannot write the certificate store: {exc}") from None
        db.session.commit()
        click.echo(f"{len(result.rendered)} certificates rendered.")
        if result.failed:
            raise click.ClickException(f"{len(result.failed)} certificates failed; see the log.")
