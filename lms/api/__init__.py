"""The public JSON API's shared parts: problem details for errors, its headers, its OpenAPI document."""
