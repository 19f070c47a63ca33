"""The award's card at the end of every timeline: the certificate issued, awaiting approval, earned, or what is
still needed (and, when the programme is over, the fallback award and whom to ask)."""

from __future__ import annotations

from flask_babel import gettext as _

from lms.certificates.models import ISSUED
from lms.certificates.services import current_certificate
from lms.pipeline.outcome import CERTIFIED, FALLBACK_AWARD, NOT_COMPLETED
from lms.pipeline.timeline import AWARD_CARDS, CLOSED, DONE, LOCKED, OPEN, Card


def award_card(enrolment, outcome, last_day) -> Card:
    title = _("Certificate")
    certificate = current_certificate(enrolment)
    if certificate is not None and certificate.status == ISSUED:
        return Card("certificate", title, DONE, _("%(title)s, code %(code)s.", title=certificate.title,
                                                  code=certificate.code), last_day, last_day)
    if certificate is not None:
        return Card("certificate", title, OPEN, _("Every requirement is met; the certificate awaits a "
                                                  "coordinator's approval."), last_day, last_day)
    if outcome.status == CERTIFIED:
        return Card("certificate", title, OPEN, _("Every requirement is met."), last_day, last_day)
    detail = _("Still needed: %(reasons)s", reasons=" ".join(outcome.reasons))
    if outcome.status == FALLBACK_AWARD:
        detail = _("Eligible for a certificate of attendance.") + " " + detail
    if outcome.status in (FALLBACK_AWARD, NOT_COMPLETED):
        detail += " " + _("Ask your coordinator about a re-sit or an appeal.")
        return Card("certificate", title, CLOSED, detail, last_day, last_day)
    return Card("certificate", title, LOCKED, detail, last_day, last_day)


AWARD_CARDS.append(award_card)
