"""Shared access checks: one decorator for roles, one helper per object kind."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from lms.auth.models import COORDINATOR, TRAINER


def role_required(*roles: str):
    """Logged in and holding one of these roles, else 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


coordinator_required = role_required(COORDINATOR)
staff_required = role_required(COORDINATOR, TRAINER)


def can_monitor_cohort(user, cohort) -> bool:
    """Coordinators see every cohort; a trainer only the cohorts they are assigned to."""
    if user.is_coordinator:
        return True
    return user.is_trainer and any(t.id == user.id for t in cohort.trainers)


def check_cohort_access(cohort) -> None:
    if not can_monitor_cohort(current_user, cohort):
        abort(403)
