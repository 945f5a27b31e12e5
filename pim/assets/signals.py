"""Storage clean-up: files leave storage when nothing refers to them any more. Deletion
waits for the commit, so a rolled-back delete keeps its files."""

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils.translation import gettext as _

from pim.catalog.signals import demo_catalog_built

from .models import Asset, AssetRevision, GeneratedDatasheet


def _delete_later(storage, name):
    if name:
        transaction.on_commit(lambda: storage.delete(name))


@receiver(post_delete, sender=AssetRevision)
def _revision_deleted(sender, instance, **kwargs):
    # Content-addressed: another revision (of any asset) may hold the same bytes.
    name = instance.file.name
    if name and not AssetRevision.objects.filter(file=name).exists():
        _delete_later(instance.file.storage, name)
        from .previews import thumbnail_name

        _delete_later(instance.file.storage, thumbnail_name(instance))


@receiver(post_delete, sender=GeneratedDatasheet)
def _datasheet_deleted(sender, instance, **kwargs):
    _delete_later(instance.file.storage, instance.file.name)


@receiver(post_delete, sender=Asset)
def _asset_deleted(sender, instance, **kwargs):
    # The Wagtail image of a product image belongs to the asset (Wagtail removes its file).
    if instance.image_id:
        from wagtail.images import get_image_model

        get_image_model().objects.filter(pk=instance.image_id).delete()


@receiver(demo_catalog_built)
def _attach_demo_assets(sender, products, seed, verbosity=1, stdout=None, stderr=None, **kwargs):
    """The demo catalog gets downloads from the first run: pictures, STEP/STL models, DXF
    drawings, manuals and a certificate per series (see :mod:`pim.assets.demo`)."""
    from random import Random

    from tqdm import tqdm

    from .demo import attach_demo_assets

    def progress(items):
        return tqdm(items, desc=_("demo assets"), unit=" series", disable=verbosity < 1, file=stderr)

    summary = attach_demo_assets(products, Random(seed), progress=progress)
    if stdout is not None and verbosity >= 1:
        stdout.write(
            _("Demo assets: %(created)s stored, %(reused)s reused, %(links)s links.")
            % {"created": summary.created, "reused": summary.reused, "links": summary.links}
        )
