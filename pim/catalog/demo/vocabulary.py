"""Fixed vocabulary of the demo catalog: manufacturers, the category tree and the sentences
descriptions are built from (English and German).

Everything here is fictional. GTIN company prefixes are taken from the GS1 range 200-299
("restricted circulation"), which GS1 never assigns to companies, so a demo GTIN can never
be a real article's number.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Manufacturer:
    name: str
    short: str  # as used in running text
    code: str  # prefix of manufacturer part numbers
    gtin_prefix: str  # 6 digits: 6 + 6 digits item reference + check digit = GTIN-13


MANUFACTURERS = {
    "auvera": Manufacturer("Auvera Fluidtechnik GmbH", "Auvera", "AV", "209311"),
    "bernholt": Manufacturer("Bernholt Antriebstechnik GmbH", "Bernholt", "BH", "209322"),
    "stellmark": Manufacturer("Stellmark Verbindungselemente GmbH", "Stellmark", "SM", "209333"),
    "sensovant": Manufacturer("Sensovant Messtechnik GmbH", "Sensovant", "SV", "209344"),
    "kontivo": Manufacturer("Kontivo Steckverbinder GmbH", "Kontivo", "KV", "209355"),
    "rhenotec": Manufacturer("Rhenotec Hydraulik AG", "Rhenotec", "RT", "209366"),
}
DEMO_MANUFACTURER_NAMES = frozenset(m.name for m in MANUFACTURERS.values())

# code, English, German, parent code (None: top level). Order = sort order.
CATEGORIES = [
    ("hydraulics", "Hydraulics", "Hydraulik", None),
    ("hydraulic-power-units", "Hydraulic power units", "Hydraulikaggregate", "hydraulics"),
    ("hydraulic-hoses-fittings", "Hoses and fittings", "Schläuche und Verschraubungen", "hydraulics"),
    ("hydraulic-valves", "Hydraulic valves", "Hydraulikventile", "hydraulics"),
    ("pneumatics", "Pneumatics", "Pneumatik", None),
    ("compressed-air-supply", "Compressed air supply", "Drucklufterzeugung", "pneumatics"),
    ("pneumatic-valves", "Pneumatic valves", "Pneumatikventile", "pneumatics"),
    ("valve-terminals", "Valve terminals and fieldbus", "Ventilinseln und Feldbus", "pneumatics"),
    (
        "pneumatic-fittings",
        "Push-in fittings and connectors",
        "Steckverschraubungen und Verbinder",
        "pneumatics",
    ),
    ("valves", "Valves and fittings", "Ventile und Armaturen", None),
    ("solenoid-valves", "Solenoid valves", "Magnetventile", "valves"),
    ("pressure-control-valves", "Pressure control valves", "Druckregelventile", "valves"),
    ("safety-valves", "Safety valves", "Sicherheitsventile", "valves"),
    ("pumps-compressors", "Pumps and compressors", "Pumpen und Kompressoren", None),
    ("industrial-pumps", "Industrial pumps", "Industriepumpen", "pumps-compressors"),
    ("circulation-pumps", "Circulation pumps", "Umwälzpumpen", "pumps-compressors"),
    ("condensate-pumps", "Condensate pumps", "Kondensatpumpen", "pumps-compressors"),
    ("compressors", "Compressors", "Kompressoren", "pumps-compressors"),
    ("drive-technology", "Drive technology", "Antriebstechnik", None),
    ("electric-motors", "Electric motors", "Elektromotoren", "drive-technology"),
    ("gear-motors", "Gear motors", "Getriebemotoren", "drive-technology"),
    ("fasteners", "Fasteners", "Verbindungselemente", None),
    ("screws-bolts", "Screws and bolts", "Schrauben", "fasteners"),
    ("nuts", "Nuts", "Muttern", "fasteners"),
    ("washers", "Washers", "Scheiben", "fasteners"),
    ("sensors-switches", "Sensors and switches", "Sensoren und Schalter", None),
    (
        "pressure-measurement",
        "Pressure switches and transmitters",
        "Druckschalter und -messumformer",
        "sensors-switches",
    ),
    ("proximity-switches", "Proximity switches", "Näherungsschalter", "sensors-switches"),
    ("temperature-switches", "Temperature switches", "Temperaturschalter", "sensors-switches"),
    ("sensor-accessories", "Sensor accessories", "Sensorzubehör", "sensors-switches"),
    ("connectors", "Connectors", "Steckverbinder", None),
    ("circular-connectors", "Circular connectors", "Rundsteckverbinder", "connectors"),
    ("sensor-actuator-cabling", "Sensor-actuator cabling", "Sensor-Aktor-Verkabelung", "connectors"),
]
CATEGORY_CODES = frozenset(code for code, *_rest in CATEGORIES)

# Sentences any product's long description may add (English, German).
COMMON_BENEFITS = [
    ("Every unit is tested before delivery.", "Jedes Gerät wird vor der Auslieferung geprüft."),
    ("Designed for continuous industrial operation.", "Ausgelegt für den industriellen Dauerbetrieb."),
    (
        "CAD data and data sheet are available for download.",
        "CAD-Daten und Datenblatt stehen zum Download bereit.",
    ),
    ("Compliant with RoHS and REACH.", "Konform mit RoHS und REACH."),
    ("Available from stock in standard versions.", "Standardausführungen ab Lager lieferbar."),
    ("Made in Germany.", "Hergestellt in Deutschland."),
    (
        "Long service life thanks to wear-resistant materials.",
        "Lange Lebensdauer dank verschleißfester Werkstoffe.",
    ),
    (
        "Compact design for installation in confined spaces.",
        "Kompakte Bauform für den Einbau bei beengten Platzverhältnissen.",
    ),
]
