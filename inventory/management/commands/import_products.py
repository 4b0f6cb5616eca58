from core.csv_command import CsvImportCommand
from inventory.services.products import products_import


class Command(CsvImportCommand):
    help = "Import products from CSV; bad rows are reported by line and nothing is imported."
    noun = "products"

    def import_source(self, source):
        return products_import(source=source)
