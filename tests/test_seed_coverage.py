"""Every point of the course's seed text appears in a lesson.

The points and the phrases that show a lesson covers them are listed here, next to
the seed sentence each comes from (../shared/seed/).
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from mlteam_utils.syllabus import load_syllabus

ROOT = Path(__file__).resolve().parent.parent

# (seed point, every pattern must match the text of at least one lesson)
SEED_POINTS: list[tuple[str, list[str]]] = [
    ("Roles align with the organization's hierarchy and how its projects are designed", [r"hierarch", r"projects? (are|is) designed|design(s|ed)? (its|their) projects"]),
    ("ML project outputs are not as clearly defined as in Agile or Waterfall projects", [r"not as clearly defined"]),
    ("Many organizations use ML to manage and improve operations", [r"operations"]),
    ("ML projects vary in scale and complexity, but their general structure is the same", [r"general structure"]),
    ("Scaling fails for lack of skills, collaboration, tooling and know-how", [r"skills", r"collaboration", r"tooling", r"know-how"]),
    ("Data scientists wear too many hats", [r"too many hats"]),
    ("ML engineer reported as the fastest-growing role", [r"fastest-growing"]),
    ("Reported 1 ML engineer per 10 data scientists, moving to 1 per 5-10 (unverified)", [r"1\s*:\s*10|one ML engineer (for|per) (every )?10", r"unverified"]),
    ("Data engineer makes the appropriate data available", [r"appropriate data available|makes the (right|appropriate) data available"]),
    ("Data engineer: integration, modelling, optimization, quality, self-service", [r"integration", r"modell?ing", r"optimi[sz]ation", r"self-service"]),
    ("Data engineer builds a data lake", [r"data lake"]),
    ("Data engineer skills: AWS, Kafka, Airflow, databases", [r"AWS", r"Kafka", r"Airflow", r"databases"]),
    ("Data scientist identifies use cases, picks datasets, designs experiments, builds models", [r"use cases?", r"experiments?"]),
    ("Data scientist's key question", [r"How can we use this data"]),
    ("Data scientist skills: Python, ML, SQL", [r"Python", r"SQL"]),
    ("ML engineer deploys and scales models, production readiness", [r"production readiness|production-ready|ready for production"]),
    ("ML engineer ensures the continuous feedback loop", [r"feedback loop"]),
    ("ML engineer is the glue with DevOps, DataOps, MLOps and business leads", [r"glue", r"DevOps", r"DataOps", r"MLOps"]),
    ("ML engineer: engineering more than modelling", [r"engineering (more )?than (on )?model"]),
    ("Product manager makes sure the team builds the right thing", [r"right thing"]),
    ("Product manager focuses on the problem, not the implementation", [r"implementation"]),
    ("Product manager plans, prioritizes, assigns resources, delivers on time", [r"resources", r"plan"]),
]


def lesson_texts() -> dict[str, str]:
    texts = {}
    for module in load_syllabus().available_modules:
        notebook = nbformat.read(ROOT / module.lesson_path, as_version=4)
        texts[module.lesson_name] = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    return texts


@pytest.mark.parametrize(("point", "patterns"), SEED_POINTS, ids=[p for p, _ in SEED_POINTS])
def test_seed_point_is_taught(point: str, patterns: list[str]) -> None:
    covering = [
        name for name, text in lesson_texts().items() if all(re.search(p, text, re.I) for p in patterns)
    ]
    assert covering, f"no lesson covers the seed point: {point}"
