from importlib.util import find_spec

from django.urls import include, path

from . import views

app_name = "requests_app"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("new/", views.create, name="create"),
    path("expert/", views.expert_dashboard, name="expert_dashboard"),
    path("datateam/", views.datateam_queue, name="datateam_queue"),
    path("all/", views.admin_dashboard, name="admin_dashboard"),
    path("archive/", views.archive, name="archive"),
    path("archive/<int:doc_pk>/download/", views.archive_download, name="archive_download"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/<slug:step>/", views.edit, name="edit"),
    path("<int:pk>/variables/", views.variables, name="variables"),
    path("<int:pk>/variables/<int:variable_pk>/", views.variable_edit, name="variable_edit"),
    path("<int:pk>/variables/<int:rv_pk>/remove/", views.variable_remove, name="variable_remove"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/versions/<int:number>/", views.version, name="version"),
    path("<int:pk>/messages/", views.message_post, name="message_post"),
    path("<int:pk>/processing/", views.processing, name="processing"),
    path("<int:pk>/processing/variables/<int:rv_pk>/", views.variable_decide, name="variable_decide"),
    path("<int:pk>/action/<slug:name>/", views.action, name="action"),
    path("<int:pk>/review/", views.review, name="review"),
    path("<int:pk>/confirmation/", views.confirmation, name="confirmation"),
    path("<int:pk>/documents/<int:doc_pk>/", views.document_download, name="document"),
    path("<int:pk>/manifest/<int:version>.json", views.manifest_json, name="manifest"),
]

# The implementation phase (roles table, tasks, contract, finalisation…) lives in its own sub-package.
if find_spec("requests_app.implementation.urls") is not None:
    urlpatterns.append(path("", include("requests_app.implementation.urls")))
