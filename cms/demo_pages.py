"""The demo's application pages: an industry index and three application pages, in English
and German, built when ``demo_catalog`` has built the products (``demo_catalog_built``).

Rerunning updates the pages in place (found by their English slug under the English index,
their German version as its translation) and publishes a new revision; nothing is
duplicated. Product selections use the search's URL vocabulary; each names candidate presets
from the most specific to the most general, and the first one that the catalog can run and
whose category holds public products is used, so that a small demo (or one without the
push-in fittings) still shows products.
"""

import json
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from io import BytesIO

from django.core.files.images import ImageFile
from django.db import transaction
from django.http import QueryDict
from wagtail.images import get_image_model
from wagtail.models import Locale

from pim.assets import samples
from pim.assets.media import unguessable_filename
from pim.assets.models import Asset
from pim.catalog.models import Category, Product
from pim.search.params import query_from_params
from pim.search.query import SearchQueryError, resolve

from .models import ApplicationIndexPage, ApplicationPage, HomePage

HERO_SIZE = (1200, 500)


@dataclass
class Selection:
    """A product selection block: heading and intro per language, candidate presets
    ``(category code, filters)`` best first, and how many products to show."""

    heading: dict
    intro: dict
    presets: list
    count: int = 6


@dataclass
class Application:
    slug: dict
    title: dict
    summary: dict
    color: tuple
    text: dict  # language -> list of HTML paragraphs/headings
    facts: dict  # language -> list of (label, value)
    faq: dict  # language -> list of (question, answer HTML)
    selections: list = field(default_factory=list)
    download_kinds: tuple = ("datasheet", "manual", "certificate", "declaration")


INDEX = {
    "slug": {"en": "applications", "de": "anwendungen"},
    "title": {"en": "Applications", "de": "Anwendungen"},
    "intro": {
        "en": "<p>What engineers in each industry need from valves, fittings, sensors and drives, with the "
        "products that meet it and the documents to prove it.</p>",
        "de": "<p>Was Konstrukteure in jeder Branche von Ventilen, Verschraubungen, Sensoren und Antrieben "
        "brauchen, mit den passenden Produkten und den Unterlagen als Nachweis.</p>",
    },
}

HOME = {
    "title": {"de": "Technischer Produktkatalog"},
    "intro": {
        "de": "<p>Hydraulik, Pneumatik, Antriebstechnik und Verbindungselemente: technische Daten, "
        "CAD-Modelle und Datenblätter.</p>"
    },
}

FOOD = Application(
    slug={"en": "food-and-beverage", "de": "lebensmittel-und-getraenke"},
    title={"en": "Food and beverage", "de": "Lebensmittel und Getränke"},
    summary={
        "en": "Pneumatic connectors and push-in fittings for food and beverage plants: FDA-conform "
        "materials, temperature ranges for hot cleaning and fittings that survive daily washdown.",
        "de": "Pneumatische Steckverbinder und Steckverschraubungen für Lebensmittel- und Getränkeanlagen: "
        "FDA-konforme Werkstoffe, Temperaturbereiche für die Heißreinigung und Verschraubungen, die "
        "die tägliche Nassreinigung überstehen.",
    },
    color=(40, 130, 90),
    text={
        "en": [
            "<p>In filling, packaging and processing lines, compressed air drives cylinders, grippers and "
            "valves a few centimetres from open product. Every fitting in the splash zone is a potential "
            "contamination point: it has to be made of materials approved for food contact, it must not "
            "shed particles, and it has to keep its seal through cleaning cycles with hot water, caustic "
            "and acid.</p>",
            "<h2>What to look for</h2>",
            "<ul><li><b>Material conformity.</b> Body, seals and release ring should be FDA-conform "
            "(21 CFR 177) and ideally meet EU 1935/2004; ask for the declaration, not only the data "
            "sheet.</li><li><b>Temperature range.</b> CIP and washdown run at 60–85 °C, hot water "
            "sterilisation higher; cold rooms and freezers go below 0 °C. The fitting's medium "
            "temperature range has to cover both ends.</li><li><b>Cleanability.</b> Smooth outer contours, "
            "no open threads, stainless steel or nickel-plated brass bodies, blue polyurethane or "
            "FEP tubing that shows dirt.</li><li><b>Tube compatibility.</b> Outside diameter and "
            "tolerance of the tube must match the fitting (e.g. 6, 8, 10 mm); soft tubes need support "
            "sleeves.</li></ul>",
            "<p>The selection below shows push-in fittings with FDA conformity whose temperature range "
            "covers 0 to 80 °C. Follow the link to refine it in the catalog by thread size, tube "
            "diameter or material.</p>",
        ],
        "de": [
            "<p>In Abfüll-, Verpackungs- und Prozesslinien bewegt Druckluft Zylinder, Greifer und Ventile "
            "wenige Zentimeter neben offenem Produkt. Jede Verschraubung im Spritzbereich ist eine mögliche "
            "Kontaminationsstelle: Sie muss aus für den Lebensmittelkontakt zugelassenen Werkstoffen "
            "bestehen, darf keine Partikel abgeben und muss auch nach Reinigungszyklen mit heißem Wasser, "
            "Lauge und Säure dicht bleiben.</p>",
            "<h2>Worauf es ankommt</h2>",
            "<ul><li><b>Werkstoffkonformität.</b> Gehäuse, Dichtungen und Löserring sollten FDA-konform "
            "(21 CFR 177) sein und möglichst EU 1935/2004 erfüllen; fordern Sie die Erklärung an, nicht nur "
            "das Datenblatt.</li><li><b>Temperaturbereich.</b> CIP- und Nassreinigung laufen bei 60–85 °C, "
            "Heißwassersterilisation höher; Kühlräume und Tiefkühler liegen unter 0 °C. Der "
            "Mediumstemperaturbereich der Verschraubung muss beide Enden abdecken.</li><li><b>Reinigbarkeit."
            "</b> Glatte Außenkonturen, keine offenen Gewinde, Gehäuse aus Edelstahl oder vernickeltem "
            "Messing, blaue PU- oder FEP-Schläuche, auf denen Schmutz sichtbar ist.</li><li><b>Schlauch"
            "passung.</b> Außendurchmesser und Toleranz des Schlauchs müssen zur Verschraubung passen "
            "(z. B. 6, 8, 10 mm); weiche Schläuche brauchen Stützhülsen.</li></ul>",
            "<p>Die Auswahl unten zeigt Steckverschraubungen mit FDA-Konformität, deren Temperaturbereich "
            "0 bis 80 °C abdeckt. Im Katalog verfeinern Sie sie nach Gewindegröße, Schlauchdurchmesser oder "
            "Werkstoff.</p>",
        ],
    },
    facts={
        "en": [
            ("Cleaning temperature", "60 … 85 °C (CIP, washdown)"),
            ("Cold chain", "down to −20 °C"),
            ("Cleaning agents", "pH 2 … 12"),
            ("Material conformity", "FDA 21 CFR 177, EU 1935/2004"),
            ("Typical tube sizes", "4, 6, 8, 10, 12 mm"),
        ],
        "de": [
            ("Reinigungstemperatur", "60 … 85 °C (CIP, Nassreinigung)"),
            ("Kühlkette", "bis −20 °C"),
            ("Reinigungsmittel", "pH 2 … 12"),
            ("Werkstoffkonformität", "FDA 21 CFR 177, EU 1935/2004"),
            ("Übliche Schlauchgrößen", "4, 6, 8, 10, 12 mm"),
        ],
    },
    faq={
        "en": [
            (
                "Does FDA conformity mean the fitting may touch the food?",
                "<p>It means the materials are listed for food contact under 21 CFR 177. Whether the "
                "fitting may be used in direct contact also depends on your risk assessment (EHEDG, "
                "EU 1935/2004); in most plants pneumatic fittings sit in the splash zone, not in the "
                "product stream.</p>",
            ),
            (
                "Which temperature range do I need for washdown?",
                "<p>Choose a range whose upper end is at least 85 °C for hot water and CIP cleaning, and "
                "whose lower end covers the coldest room the machine runs in. In the catalog, the filter "
                "“medium temperature covers” finds fittings whose range contains both values.</p>",
            ),
            (
                "Are push-in fittings as tight as threaded fittings?",
                "<p>Yes, with the right tube: the collet holds the tube and an O-ring seals it. Use "
                "calibrated tubes of the stated outside diameter and cut them square; damaged tube ends "
                "are the most common cause of leaks.</p>",
            ),
            (
                "Where do I find the declaration of conformity?",
                "<p>On each product page under Downloads, and in the download centre by article number.</p>",
            ),
        ],
        "de": [
            (
                "Bedeutet FDA-Konformität, dass die Verschraubung Lebensmittel berühren darf?",
                "<p>Es bedeutet, dass die Werkstoffe nach 21 CFR 177 für den Lebensmittelkontakt gelistet sind. "
                "Ob die Verschraubung in direktem Kontakt eingesetzt werden darf, hängt auch von Ihrer "
                "Risikobewertung ab (EHEDG, EU 1935/2004); meist sitzen Pneumatikverschraubungen im "
                "Spritzbereich, nicht im Produktstrom.</p>",
            ),
            (
                "Welchen Temperaturbereich brauche ich für die Nassreinigung?",
                "<p>Wählen Sie einen Bereich, dessen obere Grenze mindestens 85 °C für Heißwasser- und "
                "CIP-Reinigung erreicht und dessen untere Grenze den kältesten Raum abdeckt, in dem die "
                "Maschine läuft. Im Katalog findet der Filter „Mediumstemperatur deckt ab“ Verschraubungen, "
                "deren Bereich beide Werte enthält.</p>",
            ),
            (
                "Sind Steckverschraubungen so dicht wie Schraubverbindungen?",
                "<p>Ja, mit dem richtigen Schlauch: Die Spannzange hält den Schlauch, ein O-Ring dichtet ab. "
                "Verwenden Sie kalibrierte Schläuche mit dem angegebenen Außendurchmesser und schneiden Sie "
                "sie rechtwinklig ab; beschädigte Schlauchenden sind die häufigste Ursache für "
                "Undichtigkeiten.</p>",
            ),
            (
                "Wo finde ich die Konformitätserklärung?",
                "<p>Auf jeder Produktseite unter Downloads und im Download-Center über die "
                "Artikelnummer.</p>",
            ),
        ],
    },
    selections=[
        Selection(
            heading={"en": "FDA-conform push-in fittings", "de": "FDA-konforme Steckverschraubungen"},
            intro={
                "en": "Push-in fittings with FDA conformity whose medium temperature range covers 0 … 80 °C.",
                "de": "Steckverschraubungen mit FDA-Konformität, deren Mediumstemperatur 0 … 80 °C abdeckt.",
            },
            presets=[
                # EF001742: the fittings' operating temperature (a range): it must cover 0 … 80 °C
                (
                    "pneumatic-fittings",
                    "filter[fda_conformity]=true&filter[EF001742][from]=0 °C&filter[EF001742][to]=80 °C",
                ),
                ("pneumatic-fittings", "filter[fda_conformity]=true"),
                ("pneumatic-fittings", ""),
                ("pneumatics", "downloads=cad_3d"),
            ],
        ),
        Selection(
            heading={"en": "Fittings for cold rooms and washdown", "de": "Verschraubungen für Kühlräume und Reinigung"},
            intro={
                "en": "Push-in fittings whose operating temperature covers −10 … 60 °C, with a 3D CAD model.",
                "de": "Steckverschraubungen, deren Betriebstemperatur −10 … 60 °C abdeckt, mit 3D-CAD-Modell.",
            },
            presets=[
                ("pneumatic-fittings", "filter[EF001742][from]=-10 °C&filter[EF001742][to]=60 °C&downloads=cad_3d"),
                ("pneumatic-fittings", "filter[EF001742][from]=-10 °C&filter[EF001742][to]=60 °C"),
                ("compressed-air-supply", ""),
            ],
            count=4,
        ),
    ],
)

MOBILE = Application(
    slug={"en": "mobile-hydraulics", "de": "mobilhydraulik"},
    title={"en": "Mobile hydraulics", "de": "Mobilhydraulik"},
    summary={
        "en": "Pressure control valves, hoses and power units for construction, agricultural and "
        "municipal machines: high pressure in little space, shock loads, dirt and cold starts.",
        "de": "Druckregelventile, Schläuche und Aggregate für Bau-, Land- und Kommunalmaschinen: hoher "
        "Druck auf wenig Raum, Druckspitzen, Schmutz und Kaltstarts.",
    },
    color=(190, 140, 30),
    text={
        "en": [
            "<p>An excavator, a tractor or a refuse truck concentrates hydraulic power in a space where "
            "every litre of oil and every kilogram counts. Systems run at 250 to 400 bar, the oil "
            "temperature swings from a cold start at −25 °C to 90 °C under full load, and vibration "
            "and pressure peaks load every connection.</p>",
            "<h2>What to look for</h2>",
            "<ul><li><b>Pressure rating with margin.</b> Hoses and fittings should be rated above the relief "
            "valve setting; pressure peaks when a cylinder hits its stop reach 1.5 times the working "
            "pressure.</li><li><b>Pressure control.</b> Pressure reducing valves protect pilot circuits and "
            "attachments that cannot take the full system pressure.</li><li><b>Compact power units.</b> "
            "Electro-hydraulic units with a DC motor supply tail lifts and support legs without running "
            "the diesel engine.</li><li><b>Documentation.</b> CAD models for the installation space and "
            "declarations for the machinery directive save days in the design review.</li></ul>",
        ],
        "de": [
            "<p>Ein Bagger, ein Traktor oder ein Müllfahrzeug bündelt hydraulische Leistung auf einem Raum, "
            "in dem jeder Liter Öl und jedes Kilogramm zählt. Die Systeme arbeiten mit 250 bis 400 bar, die "
            "Öltemperatur schwankt vom Kaltstart bei −25 °C bis 90 °C unter Volllast, und Vibrationen und "
            "Druckspitzen belasten jede Verbindung.</p>",
            "<h2>Worauf es ankommt</h2>",
            "<ul><li><b>Druckstufe mit Reserve.</b> Schläuche und Verschraubungen sollten über dem "
            "Einstelldruck des Druckbegrenzungsventils liegen; Druckspitzen beim Anfahren eines Zylinders "
            "auf Anschlag erreichen das 1,5-Fache des Betriebsdrucks.</li><li><b>Druckregelung.</b> "
            "Druckminderventile schützen Steuerkreise und Anbaugeräte, die den vollen Systemdruck nicht "
            "vertragen.</li><li><b>Kompakte Aggregate.</b> Elektrohydraulische Aggregate mit "
            "Gleichstrommotor versorgen Ladebordwände und Stützen, ohne dass der Dieselmotor läuft.</li>"
            "<li><b>Dokumentation.</b> CAD-Modelle für den Bauraum und Erklärungen zur "
            "Maschinenrichtlinie sparen Tage in der Konstruktionsprüfung.</li></ul>",
        ],
    },
    facts={
        "en": [
            ("Working pressure", "250 … 400 bar"),
            ("Oil temperature", "−25 … 90 °C"),
            ("Pressure peaks", "up to 1.5 × working pressure"),
            ("Supply voltage of power units", "12 / 24 V DC"),
        ],
        "de": [
            ("Betriebsdruck", "250 … 400 bar"),
            ("Öltemperatur", "−25 … 90 °C"),
            ("Druckspitzen", "bis 1,5 × Betriebsdruck"),
            ("Versorgungsspannung der Aggregate", "12 / 24 V DC"),
        ],
    },
    faq={
        "en": [
            (
                "Which pressure rating should a hose have?",
                "<p>At least the setting of the system's pressure relief valve, better one step above it. "
                "Enter the value in bar or psi in the catalog's “Max. operation overpressure” filter; both "
                "units are converted.</p>",
            ),
            (
                "How do I protect an attachment that needs lower pressure?",
                "<p>With a pressure reducing valve in its supply line: it keeps the outlet pressure "
                "constant whatever the system pressure does.</p>",
            ),
            (
                "Can a power unit run without the engine?",
                "<p>Yes: electro-hydraulic units with a DC motor run from the vehicle battery, for tail "
                "lifts, tipping bodies and support legs.</p>",
            ),
        ],
        "de": [
            (
                "Welche Druckstufe sollte ein Schlauch haben?",
                "<p>Mindestens den Einstelldruck des Druckbegrenzungsventils, besser eine Stufe darüber. "
                "Geben Sie den Wert im Katalogfilter „Max. Betriebsüberdruck“ in bar oder psi ein; beide "
                "Einheiten werden umgerechnet.</p>",
            ),
            (
                "Wie schütze ich ein Anbaugerät, das weniger Druck braucht?",
                "<p>Mit einem Druckminderventil in seiner Zuleitung: Es hält den Ausgangsdruck konstant, "
                "was auch immer der Systemdruck tut.</p>",
            ),
            (
                "Kann ein Aggregat ohne Motor laufen?",
                "<p>Ja: Elektrohydraulische Aggregate mit Gleichstrommotor laufen an der Fahrzeugbatterie, "
                "für Ladebordwände, Kipper und Stützen.</p>",
            ),
        ],
    },
    selections=[
        Selection(
            heading={"en": "Pressure hoses", "de": "Druckschläuche"},
            intro={
                "en": "Hoses rated for at least 16 bar overpressure.",
                "de": "Schläuche für mindestens 16 bar Überdruck.",
            },
            presets=[
                ("hydraulic-hoses-fittings", "filter[EF001708][gte]=16 bar"),
                ("hydraulic-hoses-fittings", ""),
                ("hydraulics", ""),
            ],
        ),
        Selection(
            heading={"en": "Pressure control valves", "de": "Druckregelventile"},
            intro={
                "en": "Pressure reducing valves with a 3D CAD model for the installation space.",
                "de": "Druckminderventile mit 3D-CAD-Modell für den Bauraum.",
            },
            presets=[("pressure-control-valves", "downloads=cad_3d"), ("pressure-control-valves", "")],
            count=4,
        ),
        Selection(
            heading={"en": "Hydraulic power units", "de": "Hydraulikaggregate"},
            intro={"en": "Power units for 160 bar and more.", "de": "Aggregate für 160 bar und mehr."},
            presets=[
                ("hydraulic-power-units", "filter[EF007987][gte]=160 bar"),
                ("hydraulic-power-units", ""),
            ],
            count=4,
        ),
    ],
)

MACHINES = Application(
    slug={"en": "machine-building", "de": "maschinenbau"},
    title={"en": "Machine building", "de": "Maschinenbau"},
    summary={
        "en": "Solenoid valves, inductive proximity switches and motors for special machines and "
        "production lines: standard interfaces, short delivery times and complete CAD data.",
        "de": "Magnetventile, induktive Näherungsschalter und Motoren für Sondermaschinen und "
        "Fertigungslinien: Standardschnittstellen, kurze Lieferzeiten und vollständige CAD-Daten.",
    },
    color=(32, 96, 160),
    text={
        "en": [
            "<p>A special machine is designed once and built a few times, so engineering hours cost more "
            "than parts. Components that fit standard interfaces, come with CAD models and are available "
            "from stock shorten both the design and the commissioning.</p>",
            "<h2>What to look for</h2>",
            "<ul><li><b>Solenoid valves</b> with the coil voltage of your control cabinet (usually 24 V DC) "
            "and a manual override for commissioning.</li><li><b>Proximity switches</b> with PNP outputs "
            "for European controllers, M12 connectors and a switching distance with reserve for "
            "mounting tolerances; flush mounting protects the sensing face.</li><li><b>Motors</b> in IEC "
            "frame sizes, so that gearboxes and couplings from stock fit; check the efficiency class the "
            "destination country requires.</li></ul>",
        ],
        "de": [
            "<p>Eine Sondermaschine wird einmal konstruiert und wenige Male gebaut, deshalb kosten "
            "Konstruktionsstunden mehr als Teile. Komponenten mit Standardschnittstellen, CAD-Modellen und "
            "Lieferung ab Lager verkürzen Konstruktion und Inbetriebnahme.</p>",
            "<h2>Worauf es ankommt</h2>",
            "<ul><li><b>Magnetventile</b> mit der Spulenspannung Ihres Schaltschranks (meist 24 V DC) und "
            "Handhilfsbetätigung für die Inbetriebnahme.</li><li><b>Näherungsschalter</b> mit PNP-Ausgang "
            "für europäische Steuerungen, M12-Stecker und einem Schaltabstand mit Reserve für "
            "Einbautoleranzen; bündiger Einbau schützt die aktive Fläche.</li><li><b>Motoren</b> in "
            "IEC-Baugrößen, damit Getriebe und Kupplungen ab Lager passen; prüfen Sie die im Zielland "
            "geforderte Effizienzklasse.</li></ul>",
        ],
    },
    facts={
        "en": [
            ("Control voltage", "24 V DC"),
            ("Sensor outputs", "PNP, normally open"),
            ("Sensor connection", "M12, 4-pin"),
            ("Motor frame sizes", "IEC 56 … 132"),
        ],
        "de": [
            ("Steuerspannung", "24 V DC"),
            ("Sensorausgänge", "PNP, Schließer"),
            ("Sensoranschluss", "M12, 4-polig"),
            ("Motorbaugrößen", "IEC 56 … 132"),
        ],
    },
    faq={
        "en": [
            (
                "PNP or NPN?",
                "<p>European controllers mostly read PNP (sourcing) outputs, many Asian ones NPN. The "
                "catalog filter “Type of switching output” shows both with their counts.</p>",
            ),
            (
                "How much switching distance do I need?",
                "<p>Plan with about 80 % of the rated switching distance: it covers temperature drift and "
                "the tolerances of the target's position.</p>",
            ),
            (
                "Do you have CAD models for every valve?",
                "<p>Most series come with STEP models and 2D drawings; the catalog's downloads filter "
                "shows only products that offer them.</p>",
            ),
        ],
        "de": [
            (
                "PNP oder NPN?",
                "<p>Europäische Steuerungen lesen meist PNP-Ausgänge (plusschaltend), viele asiatische NPN. "
                "Der Katalogfilter „Art des Schaltausgangs“ zeigt beide mit ihrer Anzahl.</p>",
            ),
            (
                "Wie viel Schaltabstand brauche ich?",
                "<p>Planen Sie mit etwa 80 % des Bemessungsschaltabstands: Das deckt Temperaturdrift und die "
                "Lagetoleranzen des Betätigungselements ab.</p>",
            ),
            (
                "Gibt es CAD-Modelle für jedes Ventil?",
                "<p>Die meisten Baureihen haben STEP-Modelle und 2D-Zeichnungen; der Download-Filter im "
                "Katalog zeigt nur Produkte, die sie anbieten.</p>",
            ),
        ],
    },
    selections=[
        Selection(
            heading={"en": "Solenoid valves", "de": "Magnetventile"},
            intro={"en": "Solenoid valves with 3D CAD models.", "de": "Magnetventile mit 3D-CAD-Modellen."},
            presets=[("solenoid-valves", "downloads=cad_3d"), ("pneumatic-valves", ""), ("valves", "")],
            count=4,
        ),
        Selection(
            heading={"en": "PNP proximity switches", "de": "Näherungsschalter mit PNP-Ausgang"},
            intro={
                "en": "Inductive proximity switches with a PNP output.",
                "de": "Induktive Näherungsschalter mit PNP-Ausgang.",
            },
            presets=[("proximity-switches", "filter[EF003962]=EV000510"), ("proximity-switches", "")],
            count=4,
        ),
        Selection(
            heading={"en": "Electric motors", "de": "Elektromotoren"},
            intro={"en": "Motors from 0.75 kW.", "de": "Motoren ab 0,75 kW."},
            presets=[("electric-motors", "filter[EF003976][gte]=0.75 kW"), ("electric-motors", "")],
            count=4,
        ),
    ],
)

APPLICATIONS = [FOOD, MOBILE, MACHINES]


def _preset(selection: Selection) -> tuple[Category | None, str]:
    """The first preset the catalog can run whose category holds public products."""
    for code, filters in selection.presets:
        category = Category.objects.filter(code=code).first()
        if category is None:
            continue
        try:
            resolve(query_from_params(QueryDict(filters), category=code))
        except SearchQueryError:
            continue
        subtree = category.get_descendants(include_self=True).values("pk")
        if Product.objects.publicly_visible().in_categories(subtree).exists():
            return category, filters
    return None, ""


def _downloads(categories, kinds, limit=4) -> list[int]:
    """Public documents of the products in ``categories`` (ids), one per kind first."""
    if not categories:
        return []
    subtree = Category.objects.get_queryset_descendants(
        Category.objects.filter(pk__in=[c.pk for c in categories]), include_self=True
    ).values("pk")
    products = Product.objects.publicly_visible().in_categories(subtree)
    assets = (
        Asset.objects.publicly_downloadable()
        .filter(kind__in=kinds)
        .filter(pk__in=Asset.objects.filter(links__product__in=products).values("pk"))
        .order_by("kind", "pk")
        .values_list("pk", "kind")[:50]
    )
    chosen, kinds_seen = [], set()
    for pk, kind in assets:
        if kind not in kinds_seen:
            kinds_seen.add(kind)
            chosen.append(pk)
    return chosen[:limit]


def _hero_image(application: Application):
    """The generated hero picture, reused on a rerun (found by its title)."""
    Image = get_image_model()
    title = f"Application: {application.title['en']}"
    image = Image.objects.filter(title=title).first()
    if image is None:
        data = samples.picture(application.title["en"], color=application.color, size=HERO_SIZE, fmt="JPEG")
        # Assigned (not file.save) so that the field fills in width and height.
        image = Image(title=title, file=ImageFile(BytesIO(data), name=unguessable_filename("jpg")))
        image.save()
    return image


def _item(value) -> dict:
    """A list item in ListBlock's stored form."""
    return {"type": "item", "value": value, "id": str(uuid.uuid4())}


def _body(application: Application, language: str, presets, downloads) -> str:
    text = application.text[language]
    blocks = [{"type": "rich_text", "value": text[0]}]
    blocks.append(
        {
            "type": "key_facts",
            "value": {
                "heading": "Key facts" if language == "en" else "Eckdaten",
                "facts": [_item({"label": lbl, "value": val}) for lbl, val in application.facts[language]],
            },
        }
    )
    blocks.append({"type": "rich_text", "value": "".join(text[1:])})
    for selection, (category, filters) in zip(application.selections, presets, strict=True):
        if category is None:
            continue
        blocks.append(
            {
                "type": "products",
                "value": {
                    "heading": selection.heading[language],
                    # the intro describes the first preset; a fallback gets none
                    "intro": selection.intro[language]
                    if (category.code, filters) == selection.presets[0]
                    else "",
                    "category": category.pk,
                    "filters": filters,
                    "count": selection.count,
                },
            }
        )
    if downloads:
        blocks.append(
            {
                "type": "downloads",
                "value": {
                    "heading": "Documents" if language == "en" else "Unterlagen",
                    "assets": [_item(pk) for pk in downloads],
                    "documents": [],
                },
            }
        )
    blocks.append(
        {
            "type": "faq",
            "value": {
                "heading": "Frequently asked questions" if language == "en" else "Häufige Fragen",
                "questions": [
                    _item({"question": question, "answer": answer})
                    for question, answer in application.faq[language]
                ],
            },
        }
    )
    return json.dumps(blocks)


def _publish(page) -> None:
    page.save_revision().publish()


def _translation(page, locale):
    """``page``'s translation into ``locale``, created (as a draft copy) when missing."""
    translated = page.get_translation_or_none(locale)
    if translated is None:
        translated = page.copy_for_translation(locale)
    return translated.specific


@contextmanager
def _no_redirects_from_copied_slugs():
    """A new translation starts as a copy with the English slug and gets its German slug
    before anyone could have linked it: Wagtail's automatic redirect from the old slug
    (``/de/anwendungen/food-and-beverage/``) would be a junk row. Only this process (the
    demo command) stops listening, only while the translations are written."""
    from wagtail.contrib.redirects.signal_handlers import autocreate_redirects_on_slug_change
    from wagtail.signals import page_slug_changed

    disconnected = page_slug_changed.disconnect(autocreate_redirects_on_slug_change)
    try:
        yield
    finally:
        if disconnected:
            page_slug_changed.connect(autocreate_redirects_on_slug_change)


def _child(parent, model, slug):
    return model.objects.child_of(parent).filter(slug=slug).first()


@transaction.atomic
def build_demo_pages() -> list[ApplicationPage]:
    """Create or update the index and the application pages in English and German; returns
    the English application pages."""
    english = Locale.get_default()
    german = Locale.objects.filter(language_code="de").first()
    home = HomePage.objects.filter(locale=english).order_by("path").first() or HomePage.objects.first()
    if home is None:
        return []

    index = _child(home, ApplicationIndexPage, INDEX["slug"]["en"])
    if index is None:
        index = ApplicationIndexPage(title=INDEX["title"]["en"], slug=INDEX["slug"]["en"])
        home.add_child(instance=index)
    index.title, index.intro = INDEX["title"]["en"], INDEX["intro"]["en"]
    _publish(index)

    pages = []
    for application in APPLICATIONS:
        presets = [_preset(selection) for selection in application.selections]
        downloads = _downloads([c for c, _f in presets if c is not None], application.download_kinds)
        hero = _hero_image(application)
        page = _child(index, ApplicationPage, application.slug["en"])
        if page is None:
            page = ApplicationPage()
            _fill(page, application, "en", hero, presets, downloads)
            index.add_child(instance=page)
        else:
            _fill(page, application, "en", hero, presets, downloads)
        _publish(page)
        pages.append(page)

    if german is not None:
        with _no_redirects_from_copied_slugs():
            _translate(home, index, pages, german)
    return pages


def _translate(home, index, pages, german) -> None:
    """The German home page, index and application pages (created or updated)."""
    german_home = _translation(home, german)
    german_home.title = HOME["title"]["de"]
    german_home.intro = HOME["intro"]["de"]
    _publish(german_home)
    german_index = _translation(index, german)
    german_index.title, german_index.slug = INDEX["title"]["de"], INDEX["slug"]["de"]
    german_index.intro = INDEX["intro"]["de"]
    _publish(german_index)
    for application, page in zip(APPLICATIONS, pages, strict=True):
        presets = [_preset(selection) for selection in application.selections]
        downloads = _downloads([c for c, _f in presets if c is not None], application.download_kinds)
        translated = _translation(page, german)
        _fill(translated, application, "de", page.hero_image, presets, downloads)
        _publish(translated)


def _fill(page, application, language, hero, presets, downloads) -> None:
    page.title = application.title[language]
    page.slug = application.slug[language]
    page.summary = application.summary[language]
    page.seo_title = ""
    page.search_description = ""
    page.hero_image = hero
    page.body = _body(application, language, presets, downloads)


def on_demo_catalog_built(sender, verbosity=1, stdout=None, **kwargs):
    """``demo_catalog_built`` receiver (connected in ``CmsConfig.ready``)."""
    pages = build_demo_pages()
    if stdout is not None and verbosity >= 1:
        stdout.write(f"Demo application pages: {', '.join(page.slug for page in pages)} (en, de)")
