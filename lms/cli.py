"""Command-line commands: `flask --app app <command>`."""

from __future__ import annotations

import click
from flask import Flask

from lms.extensions import db


def register_commands(app: Flask) -> None:
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
