"""A bundle written by ``acro`` itself, zipped and submitted with an output request."""

import io
import logging
import shutil
import zipfile

import numpy as np
import pandas as pd
import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile

from outputs import services
from outputs.models import OutputFile
from outputs.sdc.acro_bundle import BundleError, read_bundle

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def acro_bundle(tmp_path_factory):
    """Two outputs: a table that fails (small cells), and a regression that passes; zipped."""
    import acro

    logging.getLogger("acro").setLevel(logging.WARNING)
    folder = tmp_path_factory.mktemp("acro")
    rng = np.random.default_rng(3)
    df = pd.DataFrame(
        {
            "region": rng.choice(["north", "south"], 200),
            "sector": rng.choice(["A", "B", "C"], 200, p=[0.5, 0.47, 0.03]),
            "wage": rng.gamma(3, 1000, 200),
            "age": rng.integers(20, 60, 200),
        }
    )
    session = acro.ACRO(suppress=False)
    session.crosstab(df.region, df.sector)
    session.olsr("wage ~ age", data=df)
    session.add_exception("output_0", "The small cells are published elsewhere.")
    out = folder / "outputs"
    session.finalise(str(out), "json")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in out.rglob("*"):
            if path.is_file():
                archive.write(path, f"outputs/{path.relative_to(out)}")
    shutil.rmtree(folder)
    return buffer.getvalue()


def test_it_reads_the_folder_acro_writes(acro_bundle):
    outputs, config = read_bundle(acro_bundle)
    assert [o.status for o in outputs] == ["fail", "pass"]
    assert config["safe_threshold"] == 10
    assert all(f.checksum_ok for o in outputs for f in o.files)


def test_it_accepts_an_acro_bundle_and_shows_its_results(acro_bundle, project, alice, olga, verified_client):
    request = services.output_request_create(
        project=project,
        actor=alice,
        title="ACRO outputs",
        description="From the desktop",
        acro_bundle=ContentFile(acro_bundle, name="outputs.zip"),
    )
    files = list(request.files.order_by("pk"))
    assert {f.kind for f in files} == {OutputFile.Kind.ACRO}
    table = next(f for f in files if f.acro_record["uid"] == "output_0")
    assert table.check_status == "fail"
    assert table.exception_justification == "The small cells are published elsewhere."
    assert any("threshold" in c["rules"] for c in table.check_result["cells"])
    regression = next(f for f in files if f.acro_record["uid"] == "output_1")
    assert regression.check_status == "pass"

    page = verified_client(olga).get(f"/projects/outputs/{request.pk}/")
    assert page.status_code == 200
    assert b"sdc-flagged" in page.content and b"threshold" in page.content


def test_it_flags_a_file_changed_after_acro_checked_it(acro_bundle):
    source = zipfile.ZipFile(io.BytesIO(acro_bundle))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith("output_0_0.csv"):
                data = data + b"extra,1,1,1\n"
            archive.writestr(info, data)
    outputs, _config = read_bundle(buffer.getvalue())
    assert outputs[0].files[0].checksum_ok is False


@pytest.mark.parametrize(
    "content,message",
    [
        (b"not a zip", "not a zip"),
        (None, "no results.json"),
    ],
)
def test_it_refuses_what_is_not_an_acro_bundle(project, alice, content, message):
    if content is None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("readme.txt", "hello")
        content = buffer.getvalue()
    with pytest.raises(BundleError, match=message):
        read_bundle(content)
    with pytest.raises(ValidationError, match=message):
        services.output_request_create(
            project=project,
            actor=alice,
            title="x",
            description="y",
            acro_bundle=ContentFile(content, name="bundle.zip"),
        )
