from django.urls import path

from . import views

app_name = "dictionary"

urlpatterns = [
    path("", views.index, name="index"),
    path("versions/", views.versions, name="versions"),
    path("registers/<str:code>/", views.register_detail, name="register"),
    path("registers/<str:register>/<str:name>/", views.variable_detail, name="variable"),
]
