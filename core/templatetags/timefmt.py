"""The date and time filters, loaded as template builtins (no {% load %}): {{ m.created_at|local_dt:warehouse }}."""

from django import template

from core import timefmt

register = template.Library()

register.filter("local_dt", timefmt.local_dt)
register.filter("local_date", timefmt.local_date)
register.filter("local_time", timefmt.local_time)
register.filter("iso_dt", timefmt.iso_dt)
