"""Certificate fixtures: a finished cohort whose trainees earned their certificates."""

import pytest


@pytest.fixture
def make_certified(db, make_cohort, make_trainee):
    """An issued trainer certificate for a new trainee (outcome rules are tested on their own)."""
    from lms.certificates.services import create_certificate

    def make(name="Şəhla Əliyeva", country="Azerbaijan", programme=None, **cohort_kwargs):
        trainee = make_trainee(name=name, country=country)
        cohort = make_cohort(programme=programme, trainees=[trainee], days_in=cohort_kwargs.pop("days_in", 60),
                             **cohort_kwargs)
        certificate = create_certificate(cohort.enrolments[0], "trainer")
        db.session.commit()
        return certificate

    return make
