"""Command-line commands: `flask --app app <command>`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask

from lms.extensions import db


def register_commands(app: Flask) -> None:
    register_backup_commands(app)

    from lms.certificates.cli import register_certificate_commands

    register_certificate_commands(app)
    register_programme_commands(app)

    @app.cli.command("seed-demo")
    @click.option("--if-empty", is_flag=True, help="Seed only when the database has no accounts yet.")
    def seed_demo_command(if_empty: bool) -> None:
        """Build the demo programme, cohorts and accounts (safe to run again)."""
        from lms.demo.seed import is_empty, seed_demo

        if if_empty and not is_empty():
            click.echo("The database has accounts already; demo not seeded.")
            return
        result = seed_demo()
        db.session.commit()
        click.echo(f"Demo ready. Log in at /login with any of these (password: {result['password']}):")
        for email in result["accounts"]:
            click.echo(f"  {email}")

    @app.cli.command("issue-certificates")
    def issue_certificates_command() -> None:
        """Issue every certificate now due in every cohort (run it daily, e.g. from cron)."""
        from sqlalchemy import select

        from lms.certificates.pdf import store_pdf
        from lms.certificates.services import issue_due
        from lms.courses.models import Cohort
        from lms.courses.services import RuleError

        made = []
        try:
            for cohort in db.session.scalars(select(Cohort)):
                made.extend(issue_due(cohort))
        except RuleError as error:
            db.session.rollback()
            raise click.ClickException(str(error)) from None
        db.session.commit()
        for certificate in made:
            if certificate.status == "issued":
                store_pdf(certificate)
        db.session.commit()
        click.echo(f"{len(made)} certificates issued or sent for approval.")

    @app.cli.command("close-expired-attempts")
    def close_expired_attempts_command() -> None:
        """Submit and grade every exam attempt left open past its deadline."""
        from lms.exams.services import close_expired_attempts

        closed = close_expired_attempts()
        db.session.commit()
        click.echo(f"{closed} expired attempts closed and graded.")

    @app.cli.command("simulate-cohort")
    @click.option("--trainees", type=click.IntRange(1, 10_000), default=20, show_default=True)
    @click.option("--seed", type=int, default=None, help="Random seed, for a repeatable run.")
    @click.option("--programme", "slug", default=None, help="The programme's slug (default: the demo EOSH programme).")
    def simulate_cohort_command(trainees: int, seed: int | None, slug: str | None) -> None:
        """Run N simulated participants through every stage of a programme and print their certificate codes,
        one a line."""
        from sqlalchemy import select

        from lms.courses.models import Programme
        from lms.demo.simulate import simulate_cohort

        programme = None
        if slug:
            programme = db.session.scalar(select(Programme).where(Programme.slug == slug))
            if programme is None:
                raise click.ClickException(f"No programme with the slug {slug!r}.")
        stderr = sys.stderr
        with click.progressbar(length=trainees, label="Simulating participants", file=stderr) as bar:
            outcomes = simulate_cohort(trainees, seed=seed, progress=bar.update, programme=programme)
        db.session.commit()
        # The contract: the issued codes on stdout, one a line; the summary of everyone on stderr.
        for o in outcomes:
            figures = ("\t".join(f"{key}={_pct(value)}" for key, value in o.figures.items()) if o.figures else
                       f"stage1={_pct(o.stage1_percent)}\tfinal={_pct(o.final_percent)}")
            click.echo(f"{o.email}\t{figures}\t{o.code or 'no certificate'}", err=True)
        for o in outcomes:
            if o.code:
                click.echo(o.code)


def register_programme_commands(app: Flask) -> None:
    @app.cli.command("programme-export")
    @click.argument("slug")
    @click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
                  help="The definition file to write (.yaml, or .json); banks go to banks/ beside it.")
    def programme_export_command(slug: str, output: Path) -> None:
        """Write a programme's definition file and its question banks (docs/programme-format.md)."""
        from sqlalchemy import select

        from lms.courses.models import Programme
        from lms.pipeline.definition_store import export_definition

        programme = db.session.scalar(select(Programme).where(Programme.slug == slug))
        if programme is None:
            raise click.ClickException(f"No programme has the slug {slug!r}.")
        for path in export_definition(programme, output):
            click.echo(f"Wrote {path}")

    @app.cli.command("programme-import")
    @click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    def programme_import_command(source: Path) -> None:
        """Create, or update by its slug, the programme a definition file describes; a bad file changes nothing."""
        from lms.pipeline.definition import DefinitionError
        from lms.pipeline.definition_store import import_definition

        try:
            programme, created = import_definition(source)
            db.session.commit()
        except DefinitionError as error:
            db.session.rollback()
            for message in error.messages:
                click.echo(message, err=True)
            raise click.ClickException(f"{source}: refused; nothing was changed.") from None
        click.echo(f"{'Created' if created else 'Updated'} programme {programme.slug}: "
                   f"{len(programme.stages)} stages.")


def register_backup_commands(app: Flask) -> None:
    @app.cli.command("backup")
    @click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
    def backup_command(output: Path) -> None:
        """Write every table and the stored files (PDFs, uploads) to one .tar.gz."""
        from lms.backup import backup

        manifest = backup(output)
        click.echo(f"Backup written to {output}: {sum(manifest['counts'].values())} rows.")

    @app.cli.command("restore")
    @click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    def restore_command(source: Path) -> None:
        """Restore a backup into a freshly migrated, empty database."""
        from lms.backup import RestoreError, restore

        try:
            manifest = restore(source)
        except RestoreError as error:
            raise click.ClickException(str(error)) from error
        db.session.commit()
        click.echo(f"Restored {sum(manifest['counts'].values())} rows from {source}.")


def _pct(value) -> str:
    return "-" if value is None else f"{value:g}%"
