"""The catalog's data model. Import models from here: ``from pim.catalog.models import Product``."""

from .attributes import Attribute, AttributeGroup, AttributeOption, AttributeType, Family, FamilyAttribute
from .products import (
    Lifecycle,
    Product,
    ProductModel,
    ProductModelValue,
    ProductPrice,
    ProductRelation,
    ProductValue,
    RelationKind,
)
from .taxonomy import Category
from .trade import HazardClass, PackingGroup, PackingUnit, PackingUnitCode, ReachStatus, RohsStatus
from .units import Quantity, Unit

__all__ = [
    "Attribute",
    "AttributeGroup",
    "AttributeOption",
    "AttributeType",
    "Category",
    "Family",
    "FamilyAttribute",
    "HazardClass",
    "Lifecycle",
    "PackingGroup",
    "PackingUnit",
    "PackingUnitCode",
    "Product",
    "ProductModel",
    "ProductModelValue",
    "ProductPrice",
    "ProductRelation",
    "ProductValue",
    "Quantity",
    "ReachStatus",
    "RelationKind",
    "RohsStatus",
    "Unit",
]
