"""Grades for a learning-management system (host side): submission times, lateness,
student ids, and the CSV files an LMS imports.

- :func:`submission_time`: nbgrader's ``timestamp.txt`` next to a collected notebook (or in
  the student's folder); :func:`late` compares it with a due date and computes a penalty.
- :func:`read_roster`: an optional roster CSV mapping the submission folder's name to the
  student's LMS identity (``student,id,name,sis_user_id,sis_login_id,section``; only
  ``student`` is required).
- :func:`write_canvas`: Canvas's gradebook import format (``Student, ID, SIS User ID, SIS
  Login ID, Section, <assignment>`` and a ``Points Possible`` row).
- :func:`write_nbgrader_export`: the columns of ``nbgrader export`` (for any other LMS).
"""

from __future__ import annotations

import csv
import math
from datetime import datetime, timezone
from pathlib import Path

ROSTER_FIELDS = ("student", "id", "name", "sis_user_id", "sis_login_id", "section")


def parse_time(text: str) -> datetime:
    """A time as nbgrader writes/reads it (``2026-12-01 23:59:00.123456 UTC`` or ISO 8601),
    as an aware UTC datetime (a time without zone is taken as UTC, as nbgrader does)."""
    from nbgrader.utils import parse_utc

    value = parse_utc(text.strip())
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def submission_time(notebook: Path | None, student_dir: Path | None = None) -> datetime | None:
    """The time in nbgrader's ``timestamp.txt`` beside the notebook (or in ``student_dir``)."""
    for folder in (notebook.parent if notebook else None, student_dir):
        if folder is not None and (folder / "timestamp.txt").is_file():
            return parse_time((folder / "timestamp.txt").read_text())
    return None


def late(submitted: datetime | None, due: datetime | None, penalty_per_day: float,
         max_score: float) -> tuple[float, float]:
    """``(seconds late, penalty points)``: ``penalty_per_day`` of ``max_score`` per started day
    late (0.1 = 10 % a day; 1 = zero for any late submission)."""
    if submitted is None or due is None or submitted <= due:
        return 0.0, 0.0
    seconds = (submitted - due).total_seconds()
    days = math.ceil(seconds / 86400)
    return seconds, min(max_score, days * penalty_per_day * max_score)


def read_roster(path: Path | None) -> dict[str, dict]:
    """``student folder name -> {id, name, sis_user_id, sis_login_id, section}``."""
    if path is None:
        return {}
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    if rows and "student" not in rows[0]:
        raise ValueError(f"{path}: the roster needs a 'student' column (the submission folder's name)")
    return {r["student"]: {k: (r.get(k) or "") for k in ROSTER_FIELDS[1:]} for r in rows}


def write_canvas(rows: list[dict], path: Path, column: str, points_possible: float) -> None:
    """Canvas's gradebook import CSV. ``column`` is the assignment's column as Canvas names it
    (``Name (1234)`` matches an existing assignment; a new name creates one). Rows without a
    score (could not be graded) are left empty for a person to fill in."""
    fields = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", column]
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(fields)
        writer.writerow(["Points Possible", "", "", "", "", f"{points_possible:g}"])
        for r in rows:
            score = r.get("score")
            writer.writerow([r.get("name") or r["student"], r.get("student_id", ""), r.get("sis_user_id", ""),
                             r.get("sis_login_id", ""), r.get("section", ""),
                             "" if score in ("", None) else f"{float(score):g}"])


NBGRADER_EXPORT_FIELDS = ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name",
                          "email", "raw_score", "late_submission_penalty", "score", "max_score"]


def write_nbgrader_export(rows: list[dict], path: Path, due: datetime | None) -> None:
    """The columns and conventions of ``nbgrader export`` (a student without a score: 0)."""
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=NBGRADER_EXPORT_FIELDS)
        writer.writeheader()
        for r in rows:
            name = (r.get("name") or "").split()
            writer.writerow({
                "assignment": r["assignment"], "duedate": _fmt(due), "timestamp": r.get("timestamp", ""),
                "student_id": r.get("student_id") or r["student"],
                "last_name": name[-1] if len(name) > 1 else "", "first_name": name[0] if name else "",
                "email": "", "raw_score": r.get("raw_score") or 0.0,
                "late_submission_penalty": r.get("late_penalty") or 0.0,
                "score": r.get("score") or 0.0, "max_score": r.get("max_score") or ""})


def _fmt(when: datetime | None) -> str:
    return "" if when is None else when.strftime("%Y-%m-%d %H:%M:%S")
