"""Outbound webhooks have no staff pages of their own: merchants manage them in the portal (portal.views.webhooks)."""
