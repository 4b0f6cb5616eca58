from __future__ import annotations

from django.db import models

from inventory.models.tenancy import Merchant, MerchantScopedQuerySet


class Product(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="products")
    sku = models.CharField(max_length=64)
    name = models.CharField(max_length=255)
    weight_g = models.PositiveIntegerField(default=0)
    length_mm = models.PositiveIntegerField(default=0)
    width_mm = models.PositiveIntegerField(default=0)
    height_mm = models.PositiveIntegerField(default=0)
    unit_cost = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    reorder_point = models.PositiveIntegerField(null=True, blank=True)
    velocity_class = models.CharField(max_length=1, default="C", choices=[("A", "A"), ("B", "B"), ("C", "C")])
    hs_code = models.CharField(max_length=16, blank=True)
    country_of_origin = models.CharField(max_length=2, blank=True)
    tags = models.CharField(max_length=255, blank=True, help_text="Comma-separated, used by shipping rules")
    image_url = models.URLField(blank=True)
    is_active = models.BooleanField(default=True)
    serial_tracked = models.BooleanField(default=False, help_text="Each unit carries a serial (GS1 AI 21), captured "
                                         "at receiving and at pack-out")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MerchantScopedQuerySet.as_manager()

    class Meta:
        ordering = ["merchant_id", "sku"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "sku"], name="product_sku_unique_per_merchant"),
            models.CheckConstraint(condition=~models.Q(sku=""), name="product_sku_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"


class ProductBarcode(models.Model):
    """A GTIN (GTIN-8/12/13/14, UPC, EAN) stored normalized to 14 digits."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="barcodes")
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    gtin = models.CharField(max_length=14)

    objects = MerchantScopedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["merchant", "gtin"], name="barcode_unique_per_merchant")]
        indexes = [models.Index(fields=["gtin"])]

    def __str__(self) -> str:
        return self.gtin


class PackagingLevel(models.TextChoices):
    INNER = "inner", "Inner pack"
    CASE = "case", "Case"


class ProductPackaging(models.Model):
    """A packaging level of a product above the each (an inner pack, a case) with its own GTIN-14 and the
    eaches it holds. Its GTIN is not a `ProductBarcode`: a station that does not count packs refuses it
    instead of taking a case for one unit."""

    Level = PackagingLevel

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="packagings")
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    level = models.CharField(max_length=8, choices=PackagingLevel.choices)
    gtin = models.CharField(max_length=14, help_text="GTIN-14 of the pack, normalized")
    units = models.PositiveIntegerField(help_text="Eaches in one pack")

    objects = MerchantScopedQuerySet.as_manager()

    class Meta:
        ordering = ["product_id", "units"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "gtin"], name="packaging_gtin_unique_per_merchant"),
            models.UniqueConstraint(fields=["product", "level"], name="packaging_one_per_level"),
            models.CheckConstraint(condition=models.Q(units__gt=1), name="packaging_holds_more_than_one"),
            models.CheckConstraint(condition=models.Q(level__in=PackagingLevel.values), name="packaging_level_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} of {self.units} ({self.gtin})"
