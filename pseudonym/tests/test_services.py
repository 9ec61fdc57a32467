"""Project keys and pseudonyms.

Alice's project and Charlie's project each have their own key: the same person gets different
pseudonyms in the two, and the same pseudonym in every delivery of one project.
"""

import hashlib
import hmac
import io
import json
import logging
import re

import pytest
from django.core import serializers
from django.core.management import call_command

from ask4mdp.audit.models import AuditEvent
from pseudonym import secret
from pseudonym.backends import KeyContext, LocalHMACBackend
from pseudonym.hkdf import hkdf
from pseudonym.models import ProjectKey
from pseudonym.services import (
    KeyDestroyed,
    ProjectKeyMissing,
    PseudonymCollision,
    is_key_destroyed,
    project_key_destroy,
    project_key_ensure,
    pseudonymise_values,
)

IDS = [str(10**12 + i) for i in range(500)]


@pytest.fixture
def project(make_project):
    return make_project("PRJ-2026-001")


@pytest.fixture
def other_project(make_project):
    return make_project("PRJ-2026-002")


def test_it_gives_64_bit_hex_strings_stable_within_a_project(project, pia):
    project_key_ensure(project=project, actor=pia)
    first = pseudonymise_values(project=project, domain="person", values=IDS)
    again = pseudonymise_values(project=project, domain="person", values=reversed(IDS))
    assert first == again
    assert all(re.fullmatch(r"[0-9a-f]{16}", p) for p in first.values())
    assert len(set(first.values())) == len(IDS)


def test_it_gives_different_pseudonyms_across_projects_domains_and_stages(project, other_project, pia):
    project_key_ensure(project=project, actor=pia)
    project_key_ensure(project=other_project, actor=pia)
    a = pseudonymise_values(project=project, domain="person", values=IDS)
    b = pseudonymise_values(project=other_project, domain="person", values=IDS)
    c = pseudonymise_values(project=project, domain="company", values=IDS)
    d = pseudonymise_values(project=project, domain="person", values=IDS, stage=2)
    for other in (b, c, d):
        assert not set(a.values()) & set(other.values())


def test_it_equals_the_documented_derivation(project, pia, master_secret):
    """HMAC-SHA256 keyed by HKDF(master secret, salt, info) — what an auditor can check by hand."""
    key = project_key_ensure(project=project, actor=pia)
    info = b"ask4mdp/pseudonym/v1|person|1|1"
    derived = hkdf(master_secret.encode(), salt=bytes(key.salt), info=info, length=32)
    expected = hmac.new(derived, IDS[0].encode(), hashlib.sha256).hexdigest()[:16]
    assert pseudonymise_values(project=project, domain="person", values=[IDS[0]]) == {IDS[0]: expected}


def test_it_is_idempotent_and_audits_the_key_creation(project, pia):
    k1 = project_key_ensure(project=project, actor=pia)
    k2 = project_key_ensure(project=project, actor=pia)
    assert k1.pk == k2.pk and bytes(k1.salt) == bytes(k2.salt) and len(bytes(k1.salt)) == 32
    assert AuditEvent.objects.filter(action="pseudonym.key_created").count() == 1


def test_it_needs_a_key(project):
    with pytest.raises(ProjectKeyMissing):
        pseudonymise_values(project=project, domain="person", values=IDS)


def test_it_detects_collisions_and_names_only_their_count(project, pia):
    project_key_ensure(project=project, actor=pia)
    tiny = LocalHMACBackend()
    tiny.hex_length = 1  # 16 possible pseudonyms for 500 identifiers
    with pytest.raises(PseudonymCollision) as info:
        pseudonymise_values(project=project, domain="person", values=IDS, backend=tiny)
    assert info.value.count == len(IDS) - 16
    assert not any(i in str(info.value) for i in IDS)


def test_it_makes_pseudonyms_unreproducible_after_key_destruction(project, pia, adam):
    key = project_key_ensure(project=project, actor=pia)
    salt = bytes(key.salt)
    before = pseudonymise_values(project=project, domain="person", values=IDS[:3])
    project_key_destroy(project=project, actor=adam, reason="project ended")
    key.refresh_from_db()
    assert key.salt is None and key.destroyed_at is not None and is_key_destroyed(project)
    with pytest.raises(KeyDestroyed):
        pseudonymise_values(project=project, domain="person", values=IDS[:3])
    with pytest.raises(KeyDestroyed):
        project_key_ensure(project=project, actor=pia)
    # Nothing left in the database derives the old key: every salt stored now is a different one.
    assert all(bytes(k.salt or b"") != salt for k in ProjectKey.objects.all())
    event = AuditEvent.objects.get(action="pseudonym.key_destroyed")
    assert event.data["reason"] == "project ended" and event.actor_id == adam.pk
    # Destroying again changes nothing (idempotent), and the old pseudonyms stay as they were.
    project_key_destroy(project=project, actor=adam, reason="again")
    assert AuditEvent.objects.filter(action="pseudonym.key_destroyed").count() == 1
    assert len(before) == 3


def test_it_refuses_to_run_without_a_master_secret_outside_the_embedded_default(monkeypatch, settings):
    monkeypatch.delenv("ASK4MDP_MASTER_SECRET", raising=False)
    settings.DEBUG = False
    settings.EMBEDDED = False
    with pytest.raises(secret.MasterSecretMissing):
        secret.master_secret()


def test_it_generates_the_embedded_secret_once_with_mode_0600(monkeypatch, settings, tmp_path, caplog):
    monkeypatch.delenv("ASK4MDP_MASTER_SECRET", raising=False)
    settings.EMBEDDED = True
    settings.VAR_DIR = tmp_path
    with caplog.at_level(logging.WARNING, logger="pseudonym.secret"):
        first = secret.master_secret()
    path = tmp_path / "master.secret"
    assert path.stat().st_mode & 0o777 == 0o600
    assert secret.master_secret() == first
    assert "generated a pseudonymisation master secret" in caplog.text
    assert first.decode() not in caplog.text


def test_it_reads_the_secret_from_a_file(monkeypatch, tmp_path):
    path = tmp_path / "secret"
    path.write_text("f" * 40 + "\n")
    monkeypatch.setenv("ASK4MDP_MASTER_SECRET_FILE", str(path))
    assert secret.master_secret() == b"f" * 40


def test_it_keeps_key_material_out_of_the_database_logs_and_task_messages(
    project, pia, adam, master_secret, caplog, capsys
):
    """A dump of every table, the captured logs and a published task message hold no key material."""
    from ask4mdp.celery import app

    with caplog.at_level(logging.DEBUG):
        key = project_key_ensure(project=project, actor=pia)
        salt = bytes(key.salt)
        ctx = KeyContext(project_ref=project.reference, domain="person", stage=1, version=1, salt=salt)
        derived = [LocalHMACBackend().derive_key(ctx)] + [
            LocalHMACBackend().derive_key(KeyContext(project.reference, d, s, 1, salt))
            for d in ("company", "job")
            for s in (1, 2)
        ]
        pseudonymise_values(project=project, domain="person", values=IDS)
        out = io.StringIO()
        call_command("dumpdata", "--format", "json", stdout=out)
        dump = out.getvalue()
        # The task message an extraction sends: published to a capturing producer.
        published = []
        with app.producer_or_acquire() as producer:
            original = producer.publish

            def capture(body, **kwargs):
                published.append(json.dumps(body, default=str))
                return None

            producer.publish = capture
            try:
                app.send_task("extraction.tasks.run_extraction", args=[123], producer=producer)
            finally:
                producer.publish = original
        project_key_destroy(project=project, actor=adam, reason="end")
        dump_after = serializers.serialize("json", ProjectKey.objects.all())
    logs = caplog.text + capsys.readouterr().err
    haystacks = {
        "database": dump,
        "database after destruction": dump_after,
        "logs": logs,
        "task messages": "".join(published),
    }
    assert published, "the task message was not captured"
    needles = {"master secret": master_secret.encode()} | {
        f"derived key {i}": k for i, k in enumerate(derived)
    }
    for where, text in haystacks.items():
        for what, needle in needles.items():
            for form in (
                needle.hex(),
                needle.decode("latin-1"),
                __import__("base64").b64encode(needle).decode(),
            ):
                assert form not in text, f"{what} found in {where}"
    # The salt itself (useless without the master secret) is gone after destruction.
    assert __import__("base64").b64encode(salt).decode() not in dump_after
