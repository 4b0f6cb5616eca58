from core.csv_command import CsvImportCommand
from layout.services import bins_import


class Command(CsvImportCommand):
    help = "Import bins and locations from CSV; bad rows are reported by line and nothing is imported."
    noun = "bins"

    def import_source(self, source):
        return bins_import(source=source)
