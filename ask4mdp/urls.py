from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("accounts/", include("ask4mdp.accounts.urls")),
    path("notifications/", include("ask4mdp.notifications.urls")),
    path("dictionary/", include("dictionary.urls")),
    path("requests/", include("requests_app.urls")),
    path("projects/", include("outputs.urls")),
    path("extraction/", include("extraction.urls")),
    path("synthetic/", include("synthetic.urls")),
    path("", include("ask4mdp.ui.urls")),
]

admin.site.site_header = "ask4mdp"
admin.site.site_title = "ask4mdp"
admin.site.index_title = "Administration"
