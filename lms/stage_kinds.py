"""The stage kinds this installation offers and the award at the end: importing each area's module
registers it with the pipeline core."""

from lms.certificates import award  # noqa: F401
from lms.courses import stage as modules_kind  # noqa: F401
from lms.exams import stage as exam_kind  # noqa: F401
from lms.intensive import stage as sessions_and_practical_kinds  # noqa: F401
