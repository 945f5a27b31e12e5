"""Which writer writes which format."""

from django.utils.module_loading import import_string

from .models import ExportFormat

WRITERS = {
    ExportFormat.BMECAT_2005: "pim.exports.bmecat.Bmecat2005Writer",
    ExportFormat.BMECAT_2005_ETIM: "pim.exports.bmecat.BmecatEtimWriter",
    ExportFormat.BMECAT_12: "pim.exports.bmecat12.Bmecat12Writer",
    ExportFormat.CSV: "pim.exports.tabular.CsvWriter",
    ExportFormat.XLSX: "pim.exports.tabular.XlsxWriter",
    ExportFormat.JSONL: "pim.exports.jsonl.JsonLinesWriter",
}

BMECAT_FORMATS = {ExportFormat.BMECAT_2005, ExportFormat.BMECAT_2005_ETIM, ExportFormat.BMECAT_12}


def writer_class(format: str):
    try:
        return import_string(WRITERS[format])
    except KeyError:
        raise ValueError(f"unknown export format {format!r}; choose one of {', '.join(WRITERS)}") from None
