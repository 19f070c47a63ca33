"""Gunicorn settings for `make run` and production. Override with GUNICORN_CMD_ARGS."""

import multiprocessing
import os

workers = int(os.environ.get("WEB_CONCURRENCY", min(4, multiprocessing.cpu_count() * 2)))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
timeout = 60
graceful_timeout = 20
# The app logs every request itself, by route pattern (paths can carry reset tokens and calendar keys);
# gunicorn's own access log would write the raw paths, so it is off unless asked for.
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# The longest request line gunicorn accepts (its maximum): addresses up to 8 KB reach the app, which answers
# anything longer than a link of ours with its own styled 414 page instead of gunicorn's raw one.
limit_request_line = 8190
