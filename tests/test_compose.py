"""docker-compose.yml for operators: every process, healthchecks, volumes, and secrets kept apart."""

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load(COMPOSE.read_text())


def test_it_runs_every_process(compose):
    assert {"web", "worker", "extractor", "beat", "postgres", "redis", "cache", "mail"} <= set(compose["services"])


def test_the_page_cache_is_bounded_and_apart_from_the_broker(compose):
    environment = compose["services"]["web"]["environment"]
    assert environment["CACHE_URL"].split("/")[2] != environment["REDIS_URL"].split("/")[2]
    command = compose["services"]["cache"]["command"]
    assert "--maxmemory" in command and command[command.index("--maxmemory-policy") + 1] == "allkeys-lru"
    broker = " ".join(compose["services"]["redis"]["command"])
    assert "maxmemory" not in broker  # a broker that evicts loses tasks


def test_it_checks_the_health_of_every_long_running_service(compose):
    for name, service in compose["services"].items():
        if name == "migrate":
            continue
        assert "healthcheck" in service, f"{name} has no healthcheck"


def test_it_keeps_state_in_volumes(compose):
    assert {"pgdata", "redisdata", "appdata", "deliveries", "warehouse"} <= set(compose["volumes"])
    assert any("pgdata" in v for v in compose["services"]["postgres"]["volumes"])


def test_only_the_extractor_gets_the_master_secret(compose):
    holders = [
        name for name, service in compose["services"].items()
        if "pseudonym_master_secret" in (service.get("secrets") or [])
        or any("MASTER_SECRET" in k for k in (service.get("environment") or {}))
    ]
    assert holders == ["extractor"]
    assert compose["services"]["extractor"]["command"][-3:] == ["--concurrency", "1", "-n", "extractor@%h"][-3:]
    assert "extraction" in compose["services"]["extractor"]["command"]


def test_the_workers_listen_on_the_documented_queues(compose):
    assert "default,documents" in compose["services"]["worker"]["command"]


@pytest.mark.skipif(
    shutil.which("docker") is None
    or subprocess.run(["docker", "compose", "version"], capture_output=True).returncode != 0,
    reason="the docker compose client is not installed here",
)
def test_docker_compose_accepts_it(tmp_path):
    secrets = ROOT / "secrets"
    created = not secrets.exists()
    secrets.mkdir(exist_ok=True)
    for name in ("django_secret_key", "pseudonym_master_secret"):
        (secrets / name).touch()
    try:
        result = subprocess.run(
            ["docker", "compose", "-f", str(COMPOSE), "config", "--quiet"],
            capture_output=True, text=True, env={"POSTGRES_PASSWORD": "x", "PATH": "/usr/bin:/bin:/usr/local/bin"},
        )
        assert result.returncode == 0, result.stderr
    finally:
        if created:
            shutil.rmtree(secrets)
