from django.urls import path

from . import views

app_name = "extraction"

urlpatterns = [
    path("", views.extraction_list, name="list"),
    path("<int:pk>/", views.extraction_detail, name="detail"),
]
