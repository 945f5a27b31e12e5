"""Import admin: upload and dry run, the job page, the commit button, background jobs, the
history, the error file, mappings, permissions (reader, planner and committer are fakes:
tests/imports/job_fakes.py)."""

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pim.catalog.models import Product
from pim.imports.models import ImportJob, ImportMapping, ImportStatus
from tests.factories import make_product, make_valve_family
from tests.imports import job_fakes

pytestmark = pytest.mark.django_db


@pytest.fixture
def family():
    return make_valve_family()


@pytest.fixture
def fakes(monkeypatch, family):
    return job_fakes.install(monkeypatch, family)


@pytest.fixture
def admin(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("admin", "admin@example.com", "pw"))
    return client


def upload(client, rows, **data):
    csv_file = SimpleUploadedFile("products.csv", job_fakes.csv_bytes(rows), content_type="text/csv")
    return client.post(reverse("imports_admin:upload"), {"file": csv_file, **data})


def test_upload_page_states_the_draft_rule(admin):
    page = admin.get(reverse("imports_admin:upload"))
    assert page.status_code == 200
    content = page.content.decode()
    assert "new products arrive as drafts" in content
    assert 'enctype="multipart/form-data"' in content


def test_small_file_is_checked_in_the_request_and_the_job_page_shows_changes_and_problems(
    admin, fakes, family
):
    make_product(family, article_number="KH-1", name={"en": "Ball valve"})
    response = upload(admin, [["KH-1", "Ball valve DN15", ""], ["KH-2", "x", "bad"]])

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("imports_admin:job", args=[job.pk])
    assert job.status == ImportStatus.CHECKED
    assert job.source_format == "tabular"  # detected from the name
    assert Product.objects.get(article_number="KH-1").name["en"] == "Ball valve"  # a dry run

    page = admin.get(response["Location"])
    content = page.content.decode()
    assert page.status_code == 200
    assert "Ball valve DN15" in content  # the diff
    assert "Unknown unit “bra”: write bar or psi." in content  # the problem, with its cell
    assert "<code>bad</code>" in content
    assert reverse("imports_admin:commit", args=[job.pk]) in content  # the commit button
    assert 'http-equiv="refresh"' not in content  # finished: no refresh


def test_commit_button_needs_the_confirmation_and_then_imports(admin, fakes, family):
    make_product(family, article_number="KH-1", name={"en": "Ball valve"})
    upload(admin, [["KH-1", "Ball valve DN15", ""], ["KH-2", "New", ""]])
    job = ImportJob.objects.get()
    commit_url = reverse("imports_admin:commit", args=[job.pk])

    refused = admin.post(commit_url, {}, follow=True)
    assert "Tick this box to confirm the import." in refused.content.decode()
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED
    assert not Product.objects.filter(article_number="KH-2").exists()

    admin.post(commit_url, {"confirm": "on"})
    job.refresh_from_db()
    assert job.status == ImportStatus.IMPORTED, job.message
    assert Product.objects.get(article_number="KH-1").name["en"] == "Ball valve DN15"
    assert Product.objects.get(article_number="KH-2").live is False
    assert fakes.applied[0][1].username == "admin"  # attributed to the importing user

    again = admin.post(commit_url, {"confirm": "on"}, follow=True)
    assert "Only a checked file can be imported" in again.content.decode()
    assert len(fakes.applied) == 2


def test_commit_with_skip_invalid_offers_the_error_file(admin, fakes):
    upload(admin, [["KH-1", "Good", ""], ["KH-2", "Broken", "bad"]])
    job = ImportJob.objects.get()
    admin.post(reverse("imports_admin:commit", args=[job.pk]), {"confirm": "on", "skip_invalid": "on"})
    job.refresh_from_db()
    assert job.status == ImportStatus.IMPORTED and job.skip_invalid
    assert Product.objects.filter(article_number="KH-1").exists()

    page = admin.get(reverse("imports_admin:job", args=[job.pk])).content.decode()
    error_url = reverse("imports_admin:error_file", args=[job.pk])
    assert error_url in page
    download = admin.get(error_url)
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    body = b"".join(download.streaming_content).decode()
    assert "KH-2,Broken,bad" in body and "KH-1" not in body

    history = admin.get(reverse("imports_admin:jobs")).content.decode()
    assert "products.csv" in history and error_url in history


def test_large_file_is_checked_by_the_worker_and_its_page_refreshes(
    admin, fakes, settings, django_capture_on_commit_callbacks
):
    settings.PIM_IMPORT_INLINE_ROWS = 1
    with django_capture_on_commit_callbacks() as callbacks:
        upload(admin, [["KH-1", "One", ""], ["KH-2", "Two", ""]])
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.QUEUED
    assert len(callbacks) == 1  # the task, queued after the commit
    page = admin.get(reverse("imports_admin:job", args=[job.pk])).content.decode()
    assert 'http-equiv="refresh"' in page

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    callbacks[0]()
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED and job.created_count == 2

    with django_capture_on_commit_callbacks(execute=True):
        admin.post(reverse("imports_admin:commit", args=[job.pk]), {"confirm": "on"})
    job.refresh_from_db()
    assert job.status == ImportStatus.IMPORTED, job.message
    assert Product.objects.filter(article_number__in=["KH-1", "KH-2"]).count() == 2


def test_upload_refuses_unknown_file_types_at_the_field(admin):
    response = admin.post(
        reverse("imports_admin:upload"), {"file": SimpleUploadedFile("old.xls", b"\xd0\xcf\x11\xe0")}
    )
    assert response.status_code == 200
    assert "save it as “Excel workbook (.xlsx)”" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_mapping_screens_validate_the_targets(admin, family):
    add_url = reverse("import_mappings:add")
    assert admin.get(reverse("import_mappings:index")).status_code == 200
    assert admin.get(add_url).status_code == 200

    bad = admin.post(
        add_url,
        {
            "name": "Supplier A",
            "source_format": "tabular",
            "columns": '{"Druck": {"target": "attribute:no_such_thing"}, "Name": {"target": "localized:name:fr"}}',
            "options": "{}",
            "features": "{}",
        },
    )
    content = bad.content.decode()
    assert bad.status_code == 200
    assert "“Druck”: The import mapping gives column “Druck” the target “attribute:no_such_thing”" in content
    assert "Column “Name” is ignored: fr is not a language of the catalog" in content
    assert not ImportMapping.objects.exists()

    good = admin.post(
        add_url,
        {
            "name": "Supplier A",
            "supplier": "A GmbH",
            "source_format": "tabular",
            "columns": '{"Druck": {"target": "attribute:max_pressure", "unit": "bar"}, "Name": "localized:name:de"}',
            "options": "{}",
            "features": "{}",
        },
    )
    assert good.status_code == 302
    mapping = ImportMapping.objects.get()
    assert mapping.columns["Name"] == {"target": "localized:name:de"}
    assert admin.get(reverse("import_mappings:edit", args=[mapping.pk])).status_code == 200


def test_only_users_who_may_change_products_import(client, django_user_model, fakes):
    user = django_user_model.objects.create_user("viewer", password="pw")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    # Wagtail turns the refusal into a redirect to the dashboard with a message.
    for url in (
        reverse("imports_admin:upload"),
        reverse("imports_admin:jobs"),
        reverse("import_mappings:index"),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home"), url
    csv_file = SimpleUploadedFile("products.csv", job_fakes.csv_bytes([["KH-1", "One", ""]]))
    assert client.post(reverse("imports_admin:upload"), {"file": csv_file}).status_code == 302
    assert not ImportJob.objects.exists()

    user.user_permissions.add(
        Permission.objects.get(codename="change_product", content_type__app_label="catalog")
    )
    user = django_user_model.objects.get(pk=user.pk)  # fresh permission cache
    client.force_login(user)
    assert client.get(reverse("imports_admin:upload")).status_code == 200
    assert client.get(reverse("import_mappings:index")).status_code == 200
    upload(client, [["KH-1", "One", ""]])
    assert ImportJob.objects.get().user == user


def test_mapping_step_for_a_foreign_layout(admin, family):
    """With the real reader and planner: a supplier's file is not understood, its columns become
    a mapping, and with the mapping the same file is checked."""
    make_product(family, article_number="KH-1", name={"en": "Ball valve", "de": "Kugelhahn"})
    data = "Artikel-Nr.;Bezeichnung\r\nKH-1;Kugelhahn DN15\r\n".encode("utf-8-sig")
    admin.post(reverse("imports_admin:upload"), {"file": SimpleUploadedFile("lieferant.csv", data)})
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.FAILED
    assert "article_number" in job.message
    page = admin.get(reverse("imports_admin:job", args=[job.pk])).content.decode()
    start_url = f"{reverse('import_mappings:add')}?from_job={job.pk}"
    assert start_url in page

    form_page = admin.get(start_url).content.decode()
    assert "Artikel-Nr." in form_page and "Bezeichnung" in form_page and "ignore" in form_page

    admin.post(
        reverse("import_mappings:add"),
        {
            "name": "Lieferant",
            "source_format": "tabular",
            "columns": '{"Artikel-Nr.": "field:article_number", "Bezeichnung": "localized:name:de"}',
            "options": "{}",
            "features": "{}",
        },
    )
    mapping = ImportMapping.objects.get()
    admin.post(
        reverse("imports_admin:upload"),
        {"file": SimpleUploadedFile("lieferant.csv", data), "mapping": mapping.pk},
    )
    checked = ImportJob.objects.exclude(pk=job.pk).get()
    assert checked.status == ImportStatus.CHECKED, checked.message
    assert checked.updated_count == 1
    change = checked.findings.get(kind="update")
    assert [new for _label, _old, new in change.changes] == ["Kugelhahn DN15"]
