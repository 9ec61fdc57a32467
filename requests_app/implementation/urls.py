"""Included by ``requests_app/urls.py`` under the ``requests_app`` namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("implementation/", views.dashboard, name="implementation_dashboard"),
    path("<int:pk>/implementation/", views.detail, name="implementation_detail"),
    path("<int:pk>/implementation/roles/", views.roles, name="implementation_roles"),
    path("<int:pk>/implementation/take/<str:kind>/", views.take, name="implementation_take"),
    path("<int:pk>/implementation/desktop/", views.desktop, name="implementation_desktop"),
    path("<int:pk>/implementation/extraction/", views.extraction, name="implementation_extraction"),
    path("<int:pk>/implementation/contract/", views.contract, name="implementation_contract"),
    path(
        "<int:pk>/implementation/contract/<int:number>.<str:fmt>",
        views.contract_download,
        name="implementation_contract_download",
    ),
    path(
        "<int:pk>/implementation/contract/<int:number>/signed/<str:party>.pdf",
        views.signature_download,
        name="implementation_signature_download",
    ),
    path("<int:pk>/implementation/open/", views.open_project, name="implementation_open"),
    path("<int:pk>/implementation/amend/", views.amend, name="implementation_amend"),
    path("<int:pk>/implementation/breach/", views.breach, name="implementation_breach"),
]
