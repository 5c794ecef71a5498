"""The zip archive of members deflated beforehand, read back by Python's zipfile."""

import io
import zipfile
import zlib

from consultation import deflated_zip
from consultation.deflated_zip import DeflatedZip

WHEN = (2026, 12, 6, 13, 30, 58)


def raw_deflate(data: bytes, *, final: bool = True) -> bytes:
    deflate = zlib.compressobj(1, zlib.DEFLATED, -15)
    return deflate.compress(data) + deflate.flush(zlib.Z_FINISH if final else zlib.Z_SYNC_FLUSH)


def archive(members, tmp_path) -> bytes:
    """``members``: name -> the parts of its data, each deflated apart (the last one final)."""
    out = io.BytesIO()
    writer = DeflatedZip(out)
    for index, (name, pieces) in enumerate(members.items()):
        data = b"".join(pieces)
        parts = []
        for number, piece in enumerate(pieces):
            deflated = raw_deflate(piece, final=number == len(pieces) - 1)
            if number == 1:  # a middle part from a file, as the workbook's rows
                path = tmp_path / f"{index}.deflate"
                path.write_bytes(deflated)
                parts.append(path)
            else:
                parts.append(deflated)
        writer.add(name, WHEN, crc=zlib.crc32(data), size=len(data), parts=parts)
    writer.close()
    return out.getvalue()


MEMBERS = {
    "[Content_Types].xml": [b"<Types/>"],
    "xl/worksheets/sheet1.xml": [b"<head>", b"<row>" * 5000, b"</tail>"],
    "empty.txt": [b""],
}


def test_members_read_back_with_their_bytes_names_and_times(tmp_path):
    with zipfile.ZipFile(io.BytesIO(archive(MEMBERS, tmp_path))) as written:
        assert written.testzip() is None
        assert written.namelist() == list(MEMBERS)
        for name, pieces in MEMBERS.items():
            assert written.read(name) == b"".join(pieces)
            info = written.getinfo(name)
            assert info.date_time == WHEN
            assert info.compress_type == zipfile.ZIP_DEFLATED


def test_past_the_zip64_limit_the_records_are_zip64_and_still_read(tmp_path, monkeypatch):
    monkeypatch.setattr(deflated_zip, "ZIP64_LIMIT", 100)
    data = archive(MEMBERS, tmp_path)
    assert b"PK\006\006" in data and b"PK\006\007" in data  # ZIP64 end record and locator
    with zipfile.ZipFile(io.BytesIO(data)) as written:
        assert written.testzip() is None
        for name, pieces in MEMBERS.items():
            assert written.read(name) == b"".join(pieces)
        sheet = written.getinfo("xl/worksheets/sheet1.xml")
        assert sheet.file_size == 6 + 5 * 5000 + 7
        assert sheet.extract_version == 45
        assert written.getinfo("empty.txt").header_offset > 100
