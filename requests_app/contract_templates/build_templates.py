"""Build the repository's contract template (``confidentiality_agreement.docx``) with python-docx.

The template is a docxtpl (Jinja) document: run this script after changing the layout, and commit
the .docx it writes beside itself, so the template in the repository is always reproducible:

    .venv/bin/python requests_app/contract_templates/build_templates.py

The *wording* of the clauses is not here: it comes from ``requests_app/implementation/contract.py``
(translated) or from an administrator's ``ContractTemplate``, so the DOCX and the PDF always say the
same. This file only lays the merge fields out. docxtpl's rules: ``{%tr for %}`` and ``{%tr endfor %}``
each sit in a table row of their own; ``{%p … %}`` tags in a paragraph of their own.
"""

from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.shared import Pt

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "confidentiality_agreement.docx"


def _table(document, headers, loop_var, iterable, cells):
    table = document.add_table(rows=4, cols=len(headers))
    table.style = "Table Grid"
    for i, header in enumerate(headers):
        table.rows[0].cells[i].text = header
        table.rows[0].cells[i].paragraphs[0].runs[0].bold = True
    table.rows[1].cells[0].text = f"{{%tr for {loop_var} in {iterable} %}}"
    for i, cell in enumerate(cells):
        table.rows[2].cells[i].text = cell
    table.rows[3].cells[0].text = "{%tr endfor %}"
    return table


def build(path: Path = OUTPUT) -> Path:
    document = Document()
    style = document.styles["Normal"]
    style.font.name = "DejaVu Sans"
    style.font.size = Pt(10)

    title = document.add_heading("{{ labels.title }}", level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_paragraph("{{ labels.reference }}: {{ project.reference }} – {{ contract.version_label }}")

    document.add_heading("{{ labels.parties }}", level=1)
    document.add_paragraph("{{ platform.name }}, {{ platform.address }}")
    document.add_paragraph("{{ labels.and }}")
    document.add_paragraph(
        "{{ organisation.legal_name }}, {{ organisation.address }}"
        "{% if organisation.registration_number %} ({{ organisation.registration_number }}){% endif %}, "
        "{{ labels.represented_by }} {{ signatory.name }}, {{ signatory.position }}"
    )
    document.add_paragraph("{%p if sponsored %}")
    document.add_paragraph("{{ labels.sponsored_intro }}")
    document.add_paragraph("{%p endif %}")

    document.add_heading("{{ labels.project }}", level=1)
    document.add_paragraph("{{ project.acronym }} – {{ project.title }}")
    document.add_paragraph(
        "{{ labels.access_period }}: {{ period.start_display }} – {{ period.end_display }}"
    )

    document.add_heading("{{ labels.researchers }}", level=1)
    _table(
        document,
        ["{{ labels.name }}", "{{ labels.email }}", "{{ labels.organisation }}"],
        "r",
        "researchers",
        ["{{ r.name }}", "{{ r.email }}", "{{ r.organisation }}"],
    )

    document.add_heading("{{ labels.clauses }}", level=1)
    document.add_paragraph("{%p for clause in clauses %}")
    document.add_paragraph("{{ clause.number }}. {{ clause.title }}: {{ clause.text }}")
    document.add_paragraph("{%p endfor %}")

    document.add_heading("{{ labels.signatures }}", level=1)
    _table(
        document,
        ["{{ labels.party }}", "{{ labels.name }}", "{{ labels.date_signature }}"],
        "s",
        "signatories",
        ["{{ s.party }}", "{{ s.name }}", ""],
    )

    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    document.add_heading("{{ labels.annex }}", level=1)
    document.add_paragraph("{{ labels.annex_intro }}")
    _table(
        document,
        ["{{ labels.register }}", "{{ labels.variable }}", "{{ labels.label }}", "{{ labels.granularity }}"],
        "v",
        "variables",
        [
            "{{ v.register }}",
            "{{ v.name }}",
            "{{ v.label }}",
            "{{ v.granularity }}{% if v.differs_from_default %} *{% endif %}",
        ],
    )
    document.add_paragraph("{{ labels.annex_note }}")
    document.add_paragraph("{{ labels.generated }}: {{ contract.generated_display }}")
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(path)
    return path


if __name__ == "__main__":
    print(build())
