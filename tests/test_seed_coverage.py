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

# (seed point, patterns). Every pattern must match the teaching text of one lesson
# (see ``lesson_texts``): each is the claim itself, worded as the lesson words it,
# so a lesson that merely mentions "plan" or "Python" does not count. Gaps of a
# few words are allowed with ``[^.]{0,N}`` (never across a sentence's end).
SEED_POINTS: list[tuple[str, list[str]]] = [
    ("Roles align with the organization's hierarchy and how its projects are designed",
     [r"roles in an ML team (line up with|align with|follow) the organi[sz]ation's hierarchy and (with )?how its projects are designed"]),
    ("ML project outputs are not as clearly defined as in Agile or Waterfall projects",
     [r"outputs of an ML project are not as clearly defined"]),
    ("Many organizations use ML to manage and improve operations",
     [r"organi[sz]ations use ML[^.]{0,20} to manage and improve (their (own )?)?operations"]),
    ("ML projects vary in scale and complexity, but their general structure is the same",
     [r"ML projects vary in scale and complexity[^.]{0,20} general structure is the same"]),
    ("Scaling fails for lack of skills, collaboration, tooling and know-how",
     [r"scale[^.]{0,60} lack the skills, (the )?collaboration, (the )?tooling and (the )?know-how"]),
    ("Data scientists wear too many hats",
     [r"data scientists (often )?(have to )?wear too many hats"]),
    ("ML engineer reported as the fastest-growing role",
     [r"ML engineer (will be )?the fastest-growing role"]),
    ("Reported 1 ML engineer per 10 data scientists, moving to 1 per 5-10 (unverified)",
     [r"one ML engineer for every 10 data scientists[^.]{0,60} between 5 and 10",
      r"(1 ML engineer per 10 data scientists|1:10)[^.]{0,60} (are|is) reported,? (but )?unverified"]),
    ("Data engineer makes the appropriate data available",
     [r"data engineer makes the appropriate data available for the data scientists"]),
    ("Data engineer: integration, modelling, optimization, quality, self-service",
     [r"integration, modell?ing, optimi[sz]ation, quality,? and self-service"]),
    ("Data engineer builds a data lake",
     [r"data engineers (often|generally) (build|create) a data lake"]),
    ("Data engineer skills: AWS, Kafka, Airflow, databases",
     [r"skills[^.]{0,60} AWS\)?,? Kafka[^.]{0,30} Airflow[^.]{0,40} databases"]),
    ("Data scientist identifies use cases, picks datasets, designs experiments, builds models",
     [r"data scientist identifies use cases[^.]{0,20} determines the appropriate datasets,? designs algorithms and experiments,? and builds the models"]),
    ("Data scientist's key question",
     [r"How can we use this data to build a machine learning model for predicting something\?"]),
    ("Data scientist skills: Python, ML, SQL",
     [r"key skills[^.]{0,30} Python, machine learning and SQL"]),
    ("ML engineer deploys and scales models, production readiness",
     [r"ML engineer deploys ML and AI models, scales them[^.]{0,20} and makes sure they are ready for production"]),
    ("ML engineer ensures the continuous feedback loop",
     [r"keeps a continuous feedback loop running from production back to the team"]),
    ("ML engineer is the glue with DevOps, DataOps, MLOps and business leads",
     [r"the glue between data scientists,? (and )?data engineers, operations \(DevOps, DataOps, MLOps\) and business"]),
    ("ML engineer: engineering more than modelling",
     [r"more on engineering than (on )?modell?ing"]),
    ("Product manager makes sure the team builds the right thing",
     [r"product manager[^.]{0,60} makes sure the team (is building|builds) the right thing"]),
    ("Product manager focuses on the problem, not the implementation",
     [r"focuses on the problem (rather than|not) the implementation"]),
    ("Product manager plans, prioritizes, assigns resources, delivers on time",
     [r"by planning, prioriti[sz]ing and assigning resources", r"keeps delivery on time|in a timely manner"]),
]


# A lesson's sources list what it took from the seed in one line; that line names
# every point, so it is left out: the point must be taught in the lesson's own text.
SEED_SUMMARY = re.compile(r"^- The course's starting text \(`seed`\):.*$", re.M)


def teaching_text(markdown: str) -> str:
    """The markdown as a reader sees it: no emphasis marks, no seed summary, one space between words."""
    text = SEED_SUMMARY.sub("", markdown)
    text = re.sub(r"[*`]", "", text)  # "**skills**, the **collaboration**" reads "skills, the collaboration"
    return re.sub(r"\s+", " ", text)


def lesson_texts() -> dict[str, str]:
    """Each available lesson's teaching text (its markdown cells), by lesson name."""
    texts = {}
    for module in load_syllabus().available_modules:
        notebook = nbformat.read(ROOT / module.lesson_path, as_version=4)
        texts[module.lesson_name] = teaching_text("\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown"))
    return texts


@pytest.mark.parametrize(("point", "patterns"), SEED_POINTS, ids=[p for p, _ in SEED_POINTS])
def test_seed_point_is_taught(point: str, patterns: list[str]) -> None:
    covering = [
        name for name, text in lesson_texts().items() if all(re.search(p, text, re.I) for p in patterns)
    ]
    assert covering, f"no lesson covers the seed point: {point}"
