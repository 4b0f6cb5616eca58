"""Carrier adapters behind one interface (`base.Carrier`): the sandbox carriers and the EasyPost-style
API client."""
