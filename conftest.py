"""Test configuration shared by every app.

Personas (one place, as in healthchecks' BaseTestCase):
- Alice is a researcher at LISER, an authorised domestic organisation.
- Ralph is another researcher at LISER, on Alice's team.
- Charlie is a researcher at another authorised organisation: he has no access to Alice's things.
- Erin is a thematic expert for the labour market; Hugo one for health.
- Dana is in the datateam; Paul is a principal extractor; Pia a pseudonymiser; Ian an input
  checker; Desmond a desktop preparer; Olga an output checker; Adam an administrator.

Unit tests run Celery tasks eagerly; tests marked ``integration`` use a real worker process
(the ``celery_worker_process`` fixture) against the same PostgreSQL test database and Redis.
"""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parent
SCREENSHOT_DIR = Path(os.environ.get("SCREENSHOT_DIR", ROOT / "var" / "screenshots"))

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]


@pytest.fixture(autouse=True)
def english_by_default():
    """Each test starts in the default language, whatever an earlier test asked for.

    A test client's request in French leaves French active in the thread (``LocaleMiddleware``
    activates the request's language and nothing deactivates it), and messages made for people (form
    errors, checks' verdicts) are translated into the active language.
    """
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium: Playwright cannot download its own browsers here."""
    return {**browser_type_launch_args, "executable_path": "/usr/bin/chromium", "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1366, "height": 900}, "locale": "en-GB"}


@pytest.fixture(scope="session")
def integration_var_dir(tmp_path_factory):
    """The files of integration tests: shared by the test process and the real worker process."""
    return tmp_path_factory.mktemp("integration-var")


@pytest.fixture(autouse=True)
def _eager_celery(request, settings, tmp_path):
    """Eager tasks for unit tests; real workers only for ``integration`` tests."""
    from ask4mdp.celery import app

    integration = request.node.get_closest_marker("integration") is not None
    app.conf.task_always_eager = not integration
    app.conf.task_eager_propagates = True
    var = request.getfixturevalue("integration_var_dir") if integration else tmp_path
    settings.MEDIA_ROOT = var / "media"
    settings.DELIVERY_ROOT = var / "deliveries"
    settings.ARCHIVE_ROOT = var / "archive"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    yield


@pytest.fixture
def screenshot(request):
    """``screenshot(page, "name")`` saves a PNG into the reviewers' folder, numbered per test."""
    folder = SCREENSHOT_DIR / request.node.name.replace("[", "_").replace("]", "")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    counter = {"n": 0}

    def take(page, name: str) -> Path:
        counter["n"] += 1
        path = folder / f"{counter['n']:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def wait_for(predicate, timeout: float = 60.0, interval: float = 0.1, message: str = "condition"):
    """Poll until ``predicate()`` is truthy (a real worker acting); fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}")


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, tmp_path_factory, integration_var_dir):
    """A real ``celery worker`` process on the queues ``default`` and ``documents``.

    It uses the test database, Redis and the same folders as the tests (``integration_var_dir``).
    The ``extraction`` queue is left to tests that start their own extraction workers (to kill one).

    Integration tests must also use ``@pytest.mark.django_db(transaction=True)`` so that what they
    write is committed and visible to the worker.
    """
    from django.conf import settings

    if not settings.REDIS_URL:
        pytest.fail("integration tests need REDIS_URL (the README's test command sets it)")
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        pytest.fail("integration tests need PostgreSQL (DATABASE_URL)")
    db = settings.DATABASES["default"]
    mail_dir = tmp_path_factory.mktemp("worker-mail")
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "ASK4MDP_VAR_DIR": str(integration_var_dir),
        "ASK4MDP_WAREHOUSE_DIR": str(settings.WAREHOUSE_DIR),
    }
    for key in ("ASK4MDP_DELIVERY_ROOT", "ASK4MDP_ARCHIVE_ROOT"):
        env.pop(key, None)
    from ask4mdp.celery import app

    app.control.purge()
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "ask4mdp", "worker", "-Q", "default,documents",
         "--concurrency", "2", "--loglevel", "INFO", "--hostname", f"test-{os.getpid()}@%h"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        wait_for(lambda: app.control.ping(timeout=0.5) or proc.poll() is not None, timeout=60,
                 message="the Celery worker to answer a ping")
        if proc.poll() is not None:
            pytest.fail(f"the Celery worker exited: {proc.stdout.read()}")
        yield {"process": proc, "mail_dir": mail_dir}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


# --- personas ----------------------------------------------------------------------------------

@pytest.fixture
def liser(db):
    from tests.factories import OrganisationFactory

    return OrganisationFactory(name="LISER", legal_name="Luxembourg Institute of Socio-Economic Research")


@pytest.fixture
def alice(liser):
    from tests.factories import researcher

    return researcher("alice@liser.lu", organisation=liser, full_name="Alice Martin")


@pytest.fixture
def ralph(liser):
    from tests.factories import researcher

    return researcher("ralph@liser.lu", organisation=liser, full_name="Ralph Weber")


@pytest.fixture
def charlie(db):
    from tests.factories import OrganisationFactory, researcher

    return researcher("charlie@uni.lu", organisation=OrganisationFactory(name="University of Luxembourg"),
                      full_name="Charlie Hoffmann")


def _staff(role, email, name, domains=(), **kwargs):
    from tests.factories import staff

    return staff(role, email, domains=domains, full_name=name, **kwargs)


@pytest.fixture
def erin(db):
    from ask4mdp.accounts.roles import Domain, Role

    return _staff(Role.EXPERT, "erin@igss.lu", "Erin Schmit", [Domain.LABOUR_MARKET])


@pytest.fixture
def hugo(db):
    from ask4mdp.accounts.roles import Domain, Role

    return _staff(Role.EXPERT, "hugo@igss.lu", "Hugo Muller", [Domain.HEALTH])


@pytest.fixture
def dana(db):
    from ask4mdp.accounts.roles import Role

    return _staff(Role.DATATEAM, "dana@igss.lu", "Dana Klein")


@pytest.fixture
def paul(db):
    from ask4mdp.accounts.roles import Role

    return _staff(Role.PRINCIPAL_EXTRACTOR, "paul@igss.lu", "Paul Wagner")


@pytest.fixture
def pia(db):
    from ask4mdp.accounts.roles import Role

    return _staff(Role.PSEUDONYMISER, "pia@igss.lu", "Pia Reuter")


@pytest.fixture
def ian(db):
    from ask4mdp.accounts.roles import Role

    return _staff(Role.INPUT_CHECKER, "ian@igss.lu", "Ian Thill")


@pytest.fixture
def desmond(db):
    from ask4mdp.accounts.roles import Role

    return _staff(Role.DESKTOP_PREPARER, "desmond@igss.lu", "Desmond Hansen")


@pytest.fixture
def olga(db):
    from ask4mdp.accounts.roles import Role

    return _staff(Role.OUTPUT_CHECKER, "olga@igss.lu", "Olga Becker")


@pytest.fixture
def adam(db):
    from ask4mdp.accounts.roles import Role

    return _staff(Role.ADMINISTRATOR, "adam@igss.lu", "Adam Administrator", is_staff=True)


@pytest.fixture
def verified_client(client):
    """``verified_client(user)``: a test client logged in *and* past two-factor authentication."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    def login(user):
        client.force_login(user)
        if user.is_staff_role:
            device, _ = TOTPDevice.objects.get_or_create(user=user, name="test", defaults={"confirmed": True})
            session = client.session
            session["otp_device_id"] = device.persistent_id
            session.save()
        return client

    return login
