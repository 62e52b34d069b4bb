"""Comparing a manifest with what a database and the storages hold: after a verification (a
scratch restore), after a restore, and for a restore's dry run (what would change)."""

from __future__ import annotations

from typing import Any


def table_differences(expected: dict, actual: dict) -> list[dict[str, Any]]:
    """Tables whose rows or checksum differ: in both, only in the backup, or only now."""
    differences = []
    for name in sorted(set(expected) | set(actual)):
        want, have = expected.get(name), actual.get(name)
        if want == have:
            continue
        differences.append(
            {
                "table": name,
                "backup_rows": want["rows"] if want else None,
                "current_rows": have["rows"] if have else None,
                "checksum_differs": bool(want and have and want["checksum"] != have["checksum"]),
            }
        )
    return differences


def file_differences(expected: dict, actual: dict) -> dict[str, list[str]]:
    return {
        "missing": sorted(name for name in expected if name not in actual),
        "changed": sorted(
            name
            for name in expected
            if name in actual and actual[name]["sha256"] != expected[name]["sha256"]
        ),
        "extra": sorted(name for name in actual if name not in expected),
    }


def compare(manifest: dict, tables: dict[str, dict], files: dict[str, dict]) -> dict[str, Any]:
    """`tables` and `files` per database and storage alias, as the manifest has them. Files
    present now but not in the backup ("extra") are reported without failing the comparison:
    a restore leaves files it does not know in place."""
    result: dict[str, Any] = {"databases": {}, "files": {}, "ok": True}
    for alias, entry in manifest.get("databases", {}).items():
        differences = table_differences(entry["tables"], tables.get(alias, {}))
        result["databases"][alias] = {
            "tables": len(entry["tables"]),
            "rows": sum(table["rows"] for table in entry["tables"].values()),
            "differences": differences,
        }
        result["ok"] = result["ok"] and not differences
    for alias, expected in manifest.get("files", {}).items():
        differences = file_differences(expected, files.get(alias, {}))
        result["files"][alias] = {"files": len(expected), **differences}
        result["ok"] = result["ok"] and not (differences["missing"] or differences["changed"])
    return result


def summary_lines(result: dict[str, Any], *, limit: int = 50) -> list[str]:
    """The comparison as plain lines for the restore command and the operators' detail page."""
    lines = []
    for alias, database in result.get("databases", {}).items():
        lines.append(f"database {alias}: {database['tables']} tables, {database['rows']} rows")
        for difference in database["differences"][:limit]:
            same_count = difference["backup_rows"] == difference["current_rows"]
            note = " (same count, other content)" if same_count else ""
            lines.append(
                f"  {difference['table']}: backup {_count(difference['backup_rows'])}"
                f" → now {_count(difference['current_rows'])}{note}"
            )
    for alias, files in result.get("files", {}).items():
        lines.append(f"files {alias}: {files['files']} in the backup")
        for kind in ("missing", "changed", "extra"):
            for name in files[kind][:limit]:
                lines.append(f"  {kind}: {name}")
    return lines


def _count(rows: int | None) -> str:
    return "-" if rows is None else str(rows)
