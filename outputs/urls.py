from django.urls import path

from . import api, views

app_name = "outputs"

urlpatterns = [
    path("", views.my_projects, name="my_projects"),
    path("<int:pk>/", views.project_detail, name="project_detail"),
    path("<int:pk>/outputs/new/", views.request_create, name="request_create"),
    path("<int:pk>/tokens/new/", views.token_create, name="token_create"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("outputs/<int:pk>/", views.request_detail, name="request_detail"),
    path("files/<int:pk>/decide/", views.file_decide, name="file_decide"),
    path("files/<int:pk>/exception/", views.file_exception, name="file_exception"),
    path("files/<int:pk>/download/", views.file_download, name="file_download"),
    path("checking/", views.checker_queue, name="checker_queue"),
    path("release-log/", views.release_log, name="release_log"),
    path("inputs/", views.input_queue, name="input_queue"),
    path("<int:pk>/inputs/new/", views.input_upload, name="input_upload"),
    path("inputs/<int:pk>/", views.input_detail, name="input_detail"),
    path("api/outputs/", api.submit, name="api_submit"),
    path("api/outputs/<int:pk>/", api.detail, name="api_detail"),
    path("api/openapi.yaml", api.schema, name="api_schema"),
]
