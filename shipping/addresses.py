"""Offline address verification before a label is bought: per-country required fields, postal-code
formats, state and province codes, and the ZIP-to-state match for US addresses. Problems come back in
plain words for the packer or customer service; an empty list means the carrier should accept it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from shipping import zip_codes
from shipping.carriers.base import Address

MAX_LINE = 35  # UPS, FedEx and USPS APIs reject (or cut) longer address lines

US_STATES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California", "CO": "Colorado",
    "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia", "FL": "Florida", "GA": "Georgia",
    "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa", "KS": "Kansas",
    "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts",
    "MI": "Michigan", "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri", "MT": "Montana",
    "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico",
    "NY": "New York", "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma",
    "OR": "Oregon", "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota",
    "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington",
    "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
    "AS": "American Samoa", "GU": "Guam", "MP": "Northern Mariana Islands", "PR": "Puerto Rico",
    "VI": "U.S. Virgin Islands", "FM": "Federated States of Micronesia", "MH": "Marshall Islands", "PW": "Palau",
    "AA": "Armed Forces Americas", "AE": "Armed Forces Europe", "AP": "Armed Forces Pacific",
}
CA_PROVINCES = {
    "AB": "Alberta", "BC": "British Columbia", "MB": "Manitoba", "NB": "New Brunswick",
    "NL": "Newfoundland and Labrador", "NS": "Nova Scotia", "NT": "Northwest Territories", "NU": "Nunavut",
    "ON": "Ontario", "PE": "Prince Edward Island", "QC": "Quebec", "SK": "Saskatchewan", "YT": "Yukon",
}
AU_STATES = {
    "ACT": "Australian Capital Territory", "NSW": "New South Wales", "NT": "Northern Territory",
    "QLD": "Queensland", "SA": "South Australia", "TAS": "Tasmania", "VIC": "Victoria", "WA": "Western Australia",
}
# The first letter of a Canadian postal code is the forward sortation area's province.
CA_POSTAL_PROVINCES = {
    "A": {"NL"}, "B": {"NS"}, "C": {"PE"}, "E": {"NB"}, "G": {"QC"}, "H": {"QC"}, "J": {"QC"},
    "K": {"ON"}, "L": {"ON"}, "M": {"ON"}, "N": {"ON"}, "P": {"ON"}, "R": {"MB"}, "S": {"SK"}, "T": {"AB"},
    "V": {"BC"}, "X": {"NT", "NU"}, "Y": {"YT"},
}


@dataclass(frozen=True)
class CountryRules:
    postal_label: str  # what people there call it
    postal_pattern: re.Pattern[str] | None  # on the normalized code (upper case, single spaces)
    postal_example: str = ""
    regions: dict[str, str] = field(default_factory=dict)  # code -> name; non-empty means required
    region_label: str = "state"


COUNTRIES: dict[str, CountryRules] = {
    "US": CountryRules("ZIP code", re.compile(r"\d{5}(-\d{4})?"), "12345 or 12345-6789", US_STATES, "state"),
    "CA": CountryRules("postal code", re.compile(r"[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] \d[ABCEGHJ-NPRSTV-Z]\d"),
                       "K1A 0B1", CA_PROVINCES, "province"),
    "GB": CountryRules("postcode", re.compile(r"(GIR 0AA|[A-PR-UWYZ]([0-9]{1,2}|[A-HK-Y][0-9]{1,2}|[0-9][A-HJKPS-UW]"
                                              r"|[A-HK-Y][0-9][ABEHMNPRVWXY]) [0-9][ABD-HJLNP-UW-Z]{2})"), "SW1A 1AA"),
    "DE": CountryRules("Postleitzahl", re.compile(r"\d{5}"), "10115"),
    "FR": CountryRules("code postal", re.compile(r"\d{5}"), "75008"),
    "AU": CountryRules("postcode", re.compile(r"\d{4}"), "2000", AU_STATES, "state or territory"),
    "NL": CountryRules("postcode", re.compile(r"[1-9]\d{3} (?!SA|SD|SS)[A-Z]{2}"), "1012 AB"),
}


@dataclass(frozen=True)
class Verification:
    address: Address  # normalized: trimmed, upper-case codes, postal code in the country's format
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(address: Address, *, international: bool = False) -> Verification:
    """`international`: the parcel crosses a border, so customs brokers need a phone number."""
    normalized = normalize(address)
    problems = _required(normalized)
    if international and not normalized.phone:
        problems.append("a phone number is needed for an international shipment")
    rules = COUNTRIES.get(normalized.country)
    if rules is not None:
        problems += _postal_code(normalized, rules) + _region(normalized, rules)
        if normalized.country == "US" and not problems:
            problems += _us_zip_state(normalized)
        if normalized.country == "CA" and not problems:
            problems += _ca_postal_province(normalized)
    for label, value in (("address line 1", normalized.line1), ("address line 2", normalized.line2),
                         ("name", normalized.name), ("company", normalized.company)):
        if len(value) > MAX_LINE:
            problems.append(f"{label} is {len(value)} characters long; carriers take at most {MAX_LINE}")
    return Verification(normalized, problems)


def normalize(address: Address) -> Address:
    clean = {name: " ".join((getattr(address, name) or "").split()) for name in (
        "name", "company", "line1", "line2", "city", "region", "postal_code", "country", "phone")}
    country = clean["country"].upper()
    region = clean["region"]
    rules = COUNTRIES.get(country)
    if rules and rules.regions:
        region = _region_code(region, rules.regions)
    else:
        region = region.upper() if len(region) <= 3 else region
    return replace(address, **{**clean, "country": country, "region": region,
                               "postal_code": _format_postal_code(country, clean["postal_code"])})


def _region_code(value: str, regions: dict[str, str]) -> str:
    """Accepts the code in any case, with dots ("N.Y."), or the full name ("New York")."""
    code = value.replace(".", "").strip().upper()
    if code in regions:
        return code
    by_name = {name.upper(): key for key, name in regions.items()}
    return by_name.get(value.strip().upper(), value.strip().upper() if len(value.strip()) <= 3 else value.strip())


def _format_postal_code(country: str, code: str) -> str:
    code = code.upper()
    compact = re.sub(r"[\s-]", "", code)
    if country == "US" and re.fullmatch(r"\d{9}", compact):
        return f"{compact[:5]}-{compact[5:]}"
    if country == "US" and re.fullmatch(r"\d{5}", compact):
        return compact
    # Only a code of the right length gets its space moved: a wrong one is reported as typed.
    if country == "CA" and len(compact) == 6 and compact.isalnum():
        return f"{compact[:3]} {compact[3:]}"
    if country == "GB" and 5 <= len(compact) <= 7 and compact.isalnum():
        return f"{compact[:-3]} {compact[-3:]}"
    if country == "NL" and len(compact) == 6 and compact.isalnum():
        return f"{compact[:4]} {compact[4:]}"
    return code


def _required(address: Address) -> list[str]:
    problems = []
    if not address.name and not address.company:
        problems.append("the recipient's name is missing")
    if not address.line1:
        problems.append("the street address is missing")
    if not address.city:
        problems.append("the city is missing")
    if not re.fullmatch(r"[A-Z]{2}", address.country):
        problems.append(f"the country must be a two-letter ISO code such as US or DE, not {address.country!r}"
                        if address.country else "the country is missing")
    return problems


def _postal_code(address: Address, rules: CountryRules) -> list[str]:
    if not address.postal_code:
        return [f"the {rules.postal_label} is missing"]
    if rules.postal_pattern and not rules.postal_pattern.fullmatch(address.postal_code):
        return [f"{address.postal_code!r} is not a valid {address.country} {rules.postal_label} "
                f"(expected something like {rules.postal_example})"]
    return []


def _region(address: Address, rules: CountryRules) -> list[str]:
    if not rules.regions:
        return []
    if not address.region:
        return [f"the {rules.region_label} is missing"]
    if address.region not in rules.regions:
        return [f"{address.region!r} is not a {address.country} {rules.region_label} code"]
    return []


def _us_zip_state(address: Address) -> list[str]:
    info = zip_codes.lookup(address.postal_code)
    if info is None:
        return [f"ZIP code {address.postal_code[:5]} does not exist"]
    if not info.active:
        return [f"ZIP code {address.postal_code[:5]} is no longer in use"]
    if info.state != address.region:
        return [f"ZIP code {address.postal_code[:5]} is in {US_STATES.get(info.state, info.state)} ({info.state}), "
                f"not {US_STATES[address.region]} ({address.region})"]
    return []


def _ca_postal_province(address: Address) -> list[str]:
    provinces = CA_POSTAL_PROVINCES.get(address.postal_code[0], set())
    if address.region not in provinces:
        names = " or ".join(CA_PROVINCES[p] for p in sorted(provinces))
        return [f"postal code {address.postal_code} belongs to {names}, not {CA_PROVINCES[address.region]}"]
    return []
