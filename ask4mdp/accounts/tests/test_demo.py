import io

from django.test import Client
from django.urls import reverse

from ask4mdp.accounts import demo
from ask4mdp.accounts.models import Organisation, User
from ask4mdp.accounts.roles import Domain, Role
from ask4mdp.accounts.selectors import experts_of_domain, is_eligible_researcher, is_excluded


def test_it_loads_one_login_per_role_and_is_idempotent(db):
    out = io.StringIO()
    logins = demo.load(stdout=out)
    assert [role for role, _, _ in logins] == [str(r.label) for r in Role]
    assert all(password == demo.DEMO_PASSWORD for _, _, password in logins)
    counts = (User.objects.count(), Organisation.objects.count())
    assert demo.load(stdout=io.StringIO()) == logins
    assert (User.objects.count(), Organisation.objects.count()) == counts
    assert "demo-password" not in out.getvalue()  # load_demo prints the logins, not load()


def test_it_creates_the_people_the_scenarios_need(db):
    demo.load(stdout=io.StringIO())
    users = {key: User.objects.get(email=email) for key, email in demo.DEMO_EMAILS.items()}
    assert all(u.is_demo and u.is_active for u in users.values())
    assert is_eligible_researcher(users["researcher"]) and is_eligible_researcher(users["researcher_2"])
    foreign = users["researcher_foreign"].affiliations.get()
    assert not foreign.organisation.is_domestic and foreign.sponsor.name == "LISER"
    assert is_eligible_researcher(users["researcher_foreign"])
    assert is_excluded(users["researcher_excluded"]) and not is_eligible_researcher(
        users["researcher_excluded"]
    )
    for domain in Domain:
        assert experts_of_domain(domain).exists()
    assert Organisation.objects.filter(authorisation_status=Organisation.Status.PENDING).count() == 2


def test_demo_logins_work(db):
    logins = demo.load(stdout=io.StringIO())
    _, email, password = logins[0]
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": email, "password": password})
    assert response.status_code == 302
