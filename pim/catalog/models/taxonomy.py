from django.db import models, transaction
from django.utils.translation import gettext_lazy as _
from mptt.models import MPTTModel, TreeForeignKey

from ..localization import LocalizedTextField, localize


class Category(MPTTModel):
    """A node of the catalog's category tree. Products can sit in several categories."""

    code = models.SlugField(_("code"), max_length=100, unique=True)
    name = LocalizedTextField(_("name"))
    description = LocalizedTextField(_("description"), blank=True, multiline=True)
    parent = TreeForeignKey(
        "self",
        verbose_name=_("parent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    sort_order = models.IntegerField(_("sort order"), default=0)
    etim_group_code = models.CharField(_("ETIM group"), max_length=16, blank=True)

    class MPTTMeta:
        order_insertion_by = ["sort_order", "code"]

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self):
        return localize(self.name) or self.code

    def delete(self, *args, **kwargs):
        # django-mptt renumbers the tree before Django checks PROTECT on the children: in one
        # transaction, a refused delete leaves the tree as it was.
        with transaction.atomic():
            return super().delete(*args, **kwargs)

    def subtree_ids(self) -> list[int]:
        """Ids of this category and all below it, by parent links (one query per level).
        Unlike ``get_descendants()`` it does not read lft/rght, which django-mptt has already
        shifted when ``pre_delete`` receivers run."""
        ids = frontier = [self.pk]
        while frontier:
            frontier = list(Category.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
            ids = ids + frontier
        return ids

    def path_label(self, language: str | None = None) -> str:
        return " › ".join(
            localize(node.name, language) or node.code for node in self.get_ancestors(include_self=True)
        )
