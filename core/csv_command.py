from django.core.management.base import BaseCommand, CommandError

from core.csv_import import ImportRejected


class CsvImportCommand(BaseCommand):
    """A management command that streams one CSV file through an all-or-nothing import service."""

    noun = "rows"

    def import_source(self, source):
        raise NotImplementedError

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, path, **options):
        try:
            with open(path, newline="", encoding="utf-8-sig") as source:
                report = self.import_source(source)
        except FileNotFoundError:
            raise CommandError(f"no such file: {path}") from None
        except ImportRejected as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(exc.errors)} bad row(s); nothing imported") from None
        self.stdout.write(self.style.SUCCESS(f"{self.noun} created: {report.created}, updated: {report.updated}"))
