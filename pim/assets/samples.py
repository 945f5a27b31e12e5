"""Small, real files the project writes itself: a STEP box (AP214 B-rep that CAD viewers
open), STL meshes, a DXF outline, an IGES line, PNG/JPEG pictures and simple PDFs. Used by
the demo catalog, the tests and the benchmarks — no binary fixtures in the repository."""

import io
import struct

# Corners of a box: index = x + 2y + 4z.
_CORNERS = [(x, y, z) for z in (0, 1) for y in (0, 1) for x in (0, 1)]
# Faces as corner indices, counter-clockwise seen from outside, with the outward normal.
_FACES = [
    ((0, 2, 3, 1), (0, 0, -1)),
    ((4, 5, 7, 6), (0, 0, 1)),
    ((0, 1, 5, 4), (0, -1, 0)),
    ((2, 6, 7, 3), (0, 1, 0)),
    ((0, 4, 6, 2), (-1, 0, 0)),
    ((1, 3, 7, 5), (1, 0, 0)),
]


def _f(value: float) -> str:
    # STEP reals need a decimal point: "40.", "0.", "-1.".
    return f"{float(value):.6f}".rstrip("0")


def step_box(name: str, size=(40.0, 30.0, 20.0), description: str = "") -> bytes:
    """A STEP AP214 file with one solid box of ``size`` millimetres (a manifold B-rep)."""
    dx, dy, dz = size
    lines: list[str] = []

    def add(text: str) -> int:
        lines.append(text)
        return len(lines)

    def esc(text: str) -> str:
        return text.encode("ascii", "replace").decode().replace("'", "''")

    context = add("APPLICATION_CONTEXT('core data for automotive mechanical design processes')")
    add(f"APPLICATION_PROTOCOL_DEFINITION('international standard','automotive_design',2000,#{context})")
    product_context = add(f"PRODUCT_CONTEXT('',#{context},'mechanical')")
    product = add(f"PRODUCT('{esc(name)}','{esc(name)}','{esc(description)}',(#{product_context}))")
    formation = add(f"PRODUCT_DEFINITION_FORMATION('','',#{product})")
    definition_context = add(f"PRODUCT_DEFINITION_CONTEXT('part definition',#{context},'design')")
    definition = add(f"PRODUCT_DEFINITION('design','',#{formation},#{definition_context})")
    shape = add(f"PRODUCT_DEFINITION_SHAPE('','',#{definition})")
    length = add("(LENGTH_UNIT()NAMED_UNIT(*)SI_UNIT(.MILLI.,.METRE.))")
    angle = add("(NAMED_UNIT(*)PLANE_ANGLE_UNIT()SI_UNIT($,.RADIAN.))")
    solid_angle = add("(NAMED_UNIT(*)SI_UNIT($,.STERADIAN.)SOLID_ANGLE_UNIT())")
    uncertainty = add(
        f"UNCERTAINTY_MEASURE_WITH_UNIT(LENGTH_MEASURE(1.E-07),#{length},'distance_accuracy_value','confusion accuracy')"
    )
    geometric_context = add(
        "(GEOMETRIC_REPRESENTATION_CONTEXT(3)"
        f"GLOBAL_UNCERTAINTY_ASSIGNED_CONTEXT((#{uncertainty}))"
        f"GLOBAL_UNIT_ASSIGNED_CONTEXT((#{length},#{angle},#{solid_angle}))"
        "REPRESENTATION_CONTEXT('Context #1','3D Context with UNIT and UNCERTAINTY'))"
    )

    def point(p) -> int:
        return add(f"CARTESIAN_POINT('',({_f(p[0])},{_f(p[1])},{_f(p[2])}))")

    def direction(d) -> int:
        return add(f"DIRECTION('',({_f(d[0])},{_f(d[1])},{_f(d[2])}))")

    origin = point((0, 0, 0))
    axis = add(f"AXIS2_PLACEMENT_3D('',#{origin},#{direction((0, 0, 1))},#{direction((1, 0, 0))})")
    coords = [(x * dx, y * dy, z * dz) for x, y, z in _CORNERS]
    vertices = [add(f"VERTEX_POINT('',#{point(c)})") for c in coords]
    edges: dict[tuple[int, int], int] = {}

    def edge(a: int, b: int) -> tuple[int, bool]:
        key = (min(a, b), max(a, b))
        if key not in edges:
            start, end = coords[key[0]], coords[key[1]]
            delta = [end[i] - start[i] for i in range(3)]
            magnitude = sum(v * v for v in delta) ** 0.5
            vector = add(f"VECTOR('',#{direction([v / magnitude for v in delta])},{_f(magnitude)})")
            line = add(f"LINE('',#{point(start)},#{vector})")
            edges[key] = add(f"EDGE_CURVE('',#{vertices[key[0]]},#{vertices[key[1]]},#{line},.T.)")
        return edges[key], key == (a, b)

    faces = []
    for corners, normal in _FACES:
        oriented = []
        for i, a in enumerate(corners):
            b = corners[(i + 1) % 4]
            curve, forward = edge(a, b)
            oriented.append(add(f"ORIENTED_EDGE('',*,*,#{curve},{'.T.' if forward else '.F.'})"))
        loop = add(f"EDGE_LOOP('',({','.join(f'#{o}' for o in oriented)}))")
        bound = add(f"FACE_OUTER_BOUND('',#{loop},.T.)")
        first, second = coords[corners[0]], coords[corners[1]]
        reference = [second[i] - first[i] for i in range(3)]
        magnitude = sum(v * v for v in reference) ** 0.5
        placement = add(
            f"AXIS2_PLACEMENT_3D('',#{point(first)},#{direction(normal)},"
            f"#{direction([v / magnitude for v in reference])})"
        )
        plane = add(f"PLANE('',#{placement})")
        faces.append(add(f"ADVANCED_FACE('',(#{bound}),#{plane},.T.)"))
    shell = add(f"CLOSED_SHELL('',({','.join(f'#{f}' for f in faces)}))")
    brep = add(f"MANIFOLD_SOLID_BREP('{esc(name)}',#{shell})")
    representation = add(f"ADVANCED_BREP_SHAPE_REPRESENTATION('',(#{axis},#{brep}),#{geometric_context})")
    add(f"SHAPE_DEFINITION_REPRESENTATION(#{shape},#{representation})")

    header = (
        "ISO-10303-21;\nHEADER;\n"
        f"FILE_DESCRIPTION(('{esc(description or name)}'),'2;1');\n"
        f"FILE_NAME('{esc(name)}.step','2024-01-01T00:00:00',('PIM'),('PIM demo'),'pim','pim','');\n"
        "FILE_SCHEMA(('AUTOMOTIVE_DESIGN { 1 0 10303 214 1 1 1 1 }'));\nENDSEC;\nDATA;\n"
    )
    body = "".join(f"#{i}={text};\n" for i, text in enumerate(lines, start=1))
    return (header + body + "ENDSEC;\nEND-ISO-10303-21;\n").encode("ascii")


def _box_triangles(size):
    dx, dy, dz = size
    coords = [(x * dx, y * dy, z * dz) for x, y, z in _CORNERS]
    for corners, normal in _FACES:
        a, b, c, d = (coords[i] for i in corners)
        yield normal, (a, b, c)
        yield normal, (a, c, d)


def stl_box_ascii(name: str, size=(40.0, 30.0, 20.0)) -> bytes:
    out = [f"solid {name}"]
    for normal, triangle in _box_triangles(size):
        out.append(f"  facet normal {normal[0]} {normal[1]} {normal[2]}")
        out.append("    outer loop")
        out.extend(f"      vertex {p[0]:.4f} {p[1]:.4f} {p[2]:.4f}" for p in triangle)
        out.append("    endloop")
        out.append("  endfacet")
    out.append(f"endsolid {name}")
    return ("\n".join(out) + "\n").encode("ascii")


def stl_box_binary(name: str, size=(40.0, 30.0, 20.0), header_prefix: bytes = b"") -> bytes:
    triangles = list(_box_triangles(size))
    header = (header_prefix + f"PIM demo {name}".encode("ascii", "replace"))[:80].ljust(80, b" ")
    data = [header, struct.pack("<I", len(triangles))]
    for normal, triangle in triangles:
        data.append(struct.pack("<3f", *normal))
        for p in triangle:
            data.append(struct.pack("<3f", *p))
        data.append(b"\x00\x00")
    return b"".join(data)


def dxf_rectangle(width: float = 40.0, height: float = 30.0, title: str = "") -> bytes:
    """An R12 DXF drawing of a rectangle outline; ``title`` (e.g. the article or series it
    shows) is written below it as a title block line, as on a real drawing. Without it, two
    drawings of the same size are the same file."""
    corners = [(0, 0), (width, 0), (width, height), (0, height)]
    parts = ["0", "SECTION", "2", "ENTITIES"]
    for (x1, y1), (x2, y2) in zip(corners, corners[1:] + corners[:1], strict=True):
        parts += ["0", "LINE", "8", "0", "10", str(x1), "20", str(y1), "30", "0.0"]
        parts += ["11", str(x2), "21", str(y2), "31", "0.0"]
    if title:
        text = title.encode("ascii", "replace").decode()
        parts += ["0", "TEXT", "8", "TITLE", "10", "0.0", "20", str(-max(height, 10) * 0.3), "30", "0.0"]
        parts += ["40", str(round(max(min(width, height) * 0.08, 2.5), 2)), "1", text]
    parts += ["0", "ENDSEC", "0", "EOF"]
    return ("\n".join(parts) + "\n").encode("ascii")


def iges_line(length: float = 40.0) -> bytes:
    """An IGES file with one line entity (type 110), in fixed 80-column records."""

    def record(text: str, section: str, number: int) -> str:
        assert len(text) <= 72, text
        return f"{text:<72}{section}{number:>7}\n"

    start = record("PIM demo IGES file", "S", 1)
    globals_ = record("1H,,1H;,4Hdemo,8Hdemo.igs,3HPIM,3HPIM,32,38,6,308,15,4Hdemo,1.,2,", "G", 1)
    globals_ += record("2HMM,1,1.,15H20240101.000000,1.E-07,100.,,,11,0,15H20240101.000000;", "G", 2)
    directory = record(f"{110:>8}{1:>8}{0:>8}{0:>8}{0:>8}{0:>8}{0:>8}{0:>8}{'00000000':>8}", "D", 1)
    directory += record(f"{110:>8}{0:>8}{0:>8}{1:>8}{0:>8}{'':>8}{'':>8}{'LINE':>8}{0:>8}", "D", 2)
    parameter = record(f"110,0.,0.,0.,{length},0.,0.;".ljust(64) + f"{1:>8}", "P", 1)
    terminate = record(f"S{1:>7}G{2:>7}D{2:>7}P{1:>7}", "T", 1)
    return (start + globals_ + directory + parameter + terminate).encode("ascii")


def picture(label: str, *, color=(32, 96, 160), size=(480, 360), fmt: str = "PNG") -> bytes:
    """A product picture: a shaded body with a bore, and the label."""
    from PIL import Image, ImageDraw

    width, height = size
    image = Image.new("RGB", size, (245, 247, 250))
    draw = ImageDraw.Draw(image)
    body = (width * 0.18, height * 0.28, width * 0.82, height * 0.72)
    draw.rounded_rectangle(body, radius=int(height * 0.08), fill=color, outline=(20, 30, 40), width=3)
    shade = tuple(min(255, c + 50) for c in color)
    draw.rectangle((width * 0.05, height * 0.4, width * 0.18, height * 0.6), fill=shade, outline=(20, 30, 40))
    draw.rectangle((width * 0.82, height * 0.4, width * 0.95, height * 0.6), fill=shade, outline=(20, 30, 40))
    cx, cy, r = width / 2, height / 2, height * 0.12
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(230, 230, 230), outline=(20, 30, 40), width=3)
    draw.text((width * 0.05, height * 0.08), label[:40], fill=(20, 30, 40))
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


def simple_pdf(title: str, lines: list[str]) -> bytes:
    """A one-page PDF (certificates, declarations, manuals of the demo)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from .datasheet import FONT, FONT_BOLD, _fonts, drawable

    _fonts()
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    page.setTitle(drawable(title))
    page.setFont(FONT_BOLD, 16)
    page.drawString(60, 780, drawable(title))
    page.setFont(FONT, 10)
    y = 750
    for line in lines:
        page.drawString(60, y, drawable(line))
        y -= 15
    page.showPage()
    page.save()
    return buffer.getvalue()
