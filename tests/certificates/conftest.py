"""The JSON API's answers seen by these tests are checked against its OpenAPI document too."""

from tests.api.conftest import api_responses_match_the_document  # noqa: F401 - an autouse fixture
