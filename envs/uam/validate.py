"""Independent trace checker of UAM records (being written)."""

RECORD_KEYS = (
    "flights",
    "boardings",
    "charges",
    "profit",
    "revenue",
    "operating_cost",
    "electricity_cost",
    "served",
    "spilled",
    "empty_flights",
    "energy_kwh",
    "flights_flown",
)
