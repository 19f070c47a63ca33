"""The stage kinds this installation offers: importing each area's kind module registers it with the core."""

from lms.courses import stage as modules_kind  # noqa: F401
from lms.exams import stage as exam_kind  # noqa: F401
from lms.intensive import stage as sessions_and_practical_kinds  # noqa: F401
