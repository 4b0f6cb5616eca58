import json

from django.core.management.base import BaseCommand

from demo.data import seed_demo


class Command(BaseCommand):
    help = "Load the demo 3PL (idempotent). --json prints a machine-readable summary."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", dest="as_json", help="print the summary as JSON")

    def handle(self, *args, as_json: bool = False, **options):
        summary = seed_demo()
        if as_json:
            self.stdout.write(json.dumps(summary, indent=2, default=str))
            return
        self.stdout.write(self.style.SUCCESS(
            f"demo ready: {len(summary['merchants'])} merchants, warehouses {', '.join(summary['warehouses'])}, "
            f"{len(summary['users'])} users"
        ))
