"""Every model module, imported once so the metadata (create_all, migrations) knows all tables."""

from lms.auth import models as auth_models  # noqa: F401
from lms.certificates import models as certificate_models  # noqa: F401
from lms.courses import models as course_models  # noqa: F401
from lms.exams import models as exam_models  # noqa: F401
from lms.intensive import models as intensive_models  # noqa: F401
from lms.pipeline import models as pipeline_models  # noqa: F401
from lms.registration import models as registration_models  # noqa: F401
