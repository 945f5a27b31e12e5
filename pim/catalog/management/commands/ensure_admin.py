import os
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

HELP = gettext_lazy(
    "Create the first administrator if there is none and print how to log in. The password "
    "comes from PIM_ADMIN_PASSWORD or is generated once and kept in var/admin-password.txt."
)


class Command(BaseCommand):
    @property
    def help(self):
        # argparse needs a str, not a lazy translation.
        return str(HELP)

    def add_arguments(self, parser):
        parser.add_argument("--username", default=os.environ.get("PIM_ADMIN_USER", "admin"))

    def handle(self, *args, username, **options):
        User = get_user_model()
        password_file = settings.VAR_DIR / "admin-password.txt"
        admin_url = f"{settings.WAGTAILADMIN_BASE_URL.rstrip('/')}/admin/"
        user = User.objects.filter(username=username, is_superuser=True).first()
        if user is None and User.objects.filter(is_superuser=True).exists():
            self.stdout.write(
                _("Log in at %(url)s with your existing administrator account.") % {"url": admin_url}
            )
            return
        if user is None:
            password = os.environ.get("PIM_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
            User.objects.create_superuser(username=username, email="", password=password)
            if not os.environ.get("PIM_ADMIN_PASSWORD"):
                password_file.write_text(password + "\n")
                password_file.chmod(0o600)
        elif password_file.exists() and user.check_password(password_file.read_text().strip()):
            password = password_file.read_text().strip()
        else:
            self.stdout.write(
                _("Log in at %(url)s as %(username)s with the password you set.")
                % {"url": admin_url, "username": username}
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                _("Log in at %(url)s as %(username)s / %(password)s")
                % {"url": admin_url, "username": username, "password": password}
            )
        )
