"""Settings of the ``db_worker`` the worker-kill test starts: the project's, with the slow file
mail backend and a short send lease (so the restarted worker takes over the digest the killed
one had in flight within seconds)."""

from pim.settings import *  # noqa: F403

EMAIL_BACKEND = "tests.inquiries.slow_mail.SlowFileBackend"
PIM_NOTICE_SEND_LEASE_SECONDS = 3
