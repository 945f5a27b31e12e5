from django.db import migrations


def create_content_locales(apps, schema_editor):
    """Every site language gets a Wagtail locale, so German translations of pages can be made
    (Wagtail creates only the default language's locale)."""
    from django.conf import settings

    Locale = apps.get_model("wagtailcore", "Locale")
    for code, _name in settings.WAGTAIL_CONTENT_LANGUAGES:
        Locale.objects.get_or_create(language_code=code)


class Migration(migrations.Migration):
    dependencies = [("cms", "0002_home_page"), ("wagtailcore", "0098_apitoken")]

    operations = [migrations.RunPython(create_content_locales, migrations.RunPython.noop)]
