"""The real ETIM 6.0 classes the demo catalog is built from (hydraulics, pneumatics, drive
technology, fasteners and their neighbours). ``import_etim --demo-subset`` imports these."""

DEMO_ETIM_CLASSES = [
    # valves
    "EC001888",  # Magnet valve / Magnetventil
    "EC001224",  # Pressure reducing valve / Druckminderventil
    "EC001225",  # Safety valve / Sicherheitsventil
    # pumps and compressors
    "EC000428",  # Pump / Pumpe
    "EC001252",  # Circulation pump / Umwälzpumpe
    "EC001234",  # Condensate pump / Kondensatpumpe
    "EC002860",  # Air compressor / Druckluftkompressor
    # hydraulics and pneumatics
    "EC001185",  # Hydraulic drive unit / Hydraulische Antriebseinheit
    "EC001202",  # Hydraulic connecting part / Hydraulikanschlussteil
    "EC001106",  # Pressure hose/oscillation damper / Druckschlauch/Schwingungsdämpfer
    "EC002634",  # Fieldbus, decentr. periphery - pneumatics module / Pneumatik-Modul
    # ETIM 6.0 has no class for pneumatic push-in fittings; this one has what they need (tube
    # diameter, plug-in connection, thread type, swivel thread, operating temperature). The
    # demo names them "Push-in fitting" and adds company attributes (FDA conformity, body
    # material, connection thread, pressure): pim/catalog/demo/company.py.
    "EC001176",  # Screw connection for corrugated plastic hose / Kunststoff-Wellschlauch-Verschraubung
    "EC000243",  # Pressure switch / Druckschalter
    "EC002990",  # Gauge/absolute pressure transmitter / Druck-/Absolutdruckmessumformer
    "EC002989",  # Differential pressure transmitter / Differenzdruckmessumformer
    # sensors and switches
    "EC002714",  # Inductive proximity switch / Induktiver Näherungsschalter
    "EC002616",  # Temperature switch / Temperaturschalter
    # connectors
    "EC002635",  # Circular connector (industrial connector) / Rundsteckverbinder
    "EC002062",  # Sensor-actuator connector / Sensor-Aktor-Steckverbinder
    "EC001855",  # Sensor-actuator patch cord / Konfektioniertes Sensor-Aktor-Kabel
    # drive technology
    "EC001851",  # Electric motor / Elektromotor
    "EC002987",  # Gear motor for door control systems / Getriebemotor
    # fasteners
    "EC002380",  # Hexagon head bolt / Sechskant-Gewindeschraube
    "EC002356",  # Hexagon socket head cap bolt / Innensechskant-Gewindeschraube
    "EC000129",  # Hexagon nut / Sechskantmutter
    "EC000098",  # Washer / Unterlegscheibe
]
