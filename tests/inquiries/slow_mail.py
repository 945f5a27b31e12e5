"""A mail backend for the worker-kill test: writes each message as a file and takes its time.

``PIM_TEST_MAIL_DIR``: where messages go; ``PIM_TEST_MAIL_DELAY``: seconds per message. Before
the delay a ``.sending-*`` marker says a message is being handed over, so a test can kill the
worker while it is in flight; the ``.eml`` file appears (atomically) only when it is "accepted".
"""

import os
import time
import uuid
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend


class SlowFileBackend(BaseEmailBackend):
    def send_messages(self, messages):
        folder = Path(os.environ["PIM_TEST_MAIL_DIR"])
        delay = float(os.environ.get("PIM_TEST_MAIL_DELAY", "0"))
        for message in messages:
            name = uuid.uuid4().hex
            (folder / f".sending-{name}").touch()
            time.sleep(delay)
            partial = folder / f".{name}.partial"
            partial.write_bytes(message.message().as_bytes())
            partial.rename(folder / f"{name}.eml")
        return len(messages)
