"""Reads the demo course text: one Markdown file a module, `# title`, a summary, then `## lesson` sections."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

CONTENT = Path(__file__).resolve().parent / "content"


@dataclass
class LessonText:
    title: str
    body: str


@dataclass
class ModuleText:
    week: int
    position: int
    title: str
    summary: str
    lessons: list[LessonText]


def parse_module(text: str, week: int, position: int) -> ModuleText:
    lines = text.strip().splitlines()
    if not lines or not lines[0].startswith("# "):
        raise ValueError("a module file starts with '# Title'")
    title = lines[0][2:].strip()
    summary: list[str] = []
    lessons: list[LessonText] = []
    for line in lines[1:]:
        if line.startswith("## "):
            lessons.append(LessonText(line[3:].strip(), ""))
        elif lessons:
            lessons[-1].body += line + "\n"
        else:
            summary.append(line)
    for lesson in lessons:
        lesson.body = lesson.body.strip() + "\n"
    return ModuleText(week, position, title, "\n".join(summary).strip(), lessons)


def load_modules(root: Path = CONTENT) -> list[ModuleText]:
    modules = []
    for week_dir in sorted(root.glob("week*")):
        week = int(week_dir.name.removeprefix("week"))
        for position, path in enumerate(sorted(week_dir.glob("*.md")), start=1):
            modules.append(parse_module(path.read_text(encoding="utf-8"), week, position))
    return modules
