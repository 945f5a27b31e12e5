"""Give every Wagtail image original a random storage name (installs from before random
names). Run once after upgrading; running it again only renames what is left.

Renditions are named after their original, so they are deleted and made again, under new
names, the next time a page shows them. Pages cached by a CDN or proxy may point at the
old rendition names until they expire.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.images import get_image_model

from pim.assets.media import give_unguessable_name, has_unguessable_name

HELP = gettext_lazy(
    "Store Wagtail image originals under random names so nobody can guess where a picture of "
    "an unpublished product is stored; their renditions are made again under new names."
)


class Command(BaseCommand):
    @property
    def help(self):
        # argparse needs a str, not a lazy translation.
        return str(HELP)

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=str(gettext_lazy("List the images that would be renamed; change nothing.")),
        )

    def handle(self, *args, dry_run=False, **options):
        Image = get_image_model()
        renamed = kept = 0
        failures = []
        for image in Image.objects.order_by("pk").iterator(chunk_size=500):
            if has_unguessable_name(image):
                kept += 1
                continue
            old_name = image.file.name
            if dry_run:
                self.stdout.write(
                    _("would rename image %(id)s: %(name)s") % {"id": image.pk, "name": old_name}
                )
                renamed += 1
                continue
            try:
                new_name = give_unguessable_name(image)
            except OSError as error:
                failures.append(
                    _(
                        "Image %(id)s “%(title)s”: its original %(name)s cannot be read (%(error)s). "
                        "Upload the picture again in the admin (Images › edit › change image file), "
                        "or delete the image, then run this command again."
                    )
                    % {"id": image.pk, "title": image.title, "name": old_name, "error": error}
                )
                continue
            renamed += 1
            if options["verbosity"] > 1:
                self.stdout.write(f"{old_name} -> {new_name}")
        summary = (
            _("%(renamed)s image originals would be renamed, %(kept)s already have random names.")
            if dry_run
            else _("Renamed %(renamed)s image originals; %(kept)s already had random names.")
        )
        self.stdout.write(summary % {"renamed": renamed, "kept": kept})
        if failures:
            raise CommandError("\n".join(failures))
