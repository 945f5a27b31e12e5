from django.db import migrations


class Migration(migrations.Migration):
    """Renditions are served by file name (pim.assets.media_views looks a request's path up in
    Wagtail's rendition table); Wagtail has no index on that column, so without this every
    /media/images/ request would scan the table."""

    dependencies = [
        ("assets", "0002_import_job"),
        ("wagtailimages", "0027_image_description"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX pim_rendition_file_idx ON wagtailimages_rendition (file)",
            "DROP INDEX pim_rendition_file_idx",
        ),
    ]
