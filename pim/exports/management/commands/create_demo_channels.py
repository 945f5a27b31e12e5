from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from pim.exports.demo import create_demo_channels


class Command(BaseCommand):
    help = "Create (or update) one demo export channel per format."

    def handle(self, *args, **options):
        for channel in create_demo_channels():
            self.stdout.write(f"{channel.code}: {channel.get_format_display()}")
        self.stdout.write(_("Export one with: python manage.py export_channel demo-bmecat2005"))
