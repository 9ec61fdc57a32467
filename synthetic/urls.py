from django.urls import path

from . import views

app_name = "synthetic"

urlpatterns = [
    path("", views.index, name="index"),
    path("projects/<int:pk>/", views.project_detail, name="project"),
    path("projects/<int:pk>/datasets/new/", views.dataset_create, name="dataset_create"),
    path("projects/<int:pk>/linkage/new/", views.linkage_create, name="linkage_create"),
    path("datasets/<int:pk>/", views.dataset_detail, name="dataset"),
    path("datasets/<int:pk>/submit/", views.dataset_submit, name="dataset_submit"),
    path("linkage/<int:pk>/", views.linkage_detail, name="linkage"),
    path("<str:kind>/<int:pk>/report.pdf", views.report_pdf, name="report_pdf"),
    path("<str:kind>/<int:pk>/figures/<str:name>.png", views.figure, name="figure"),
]
