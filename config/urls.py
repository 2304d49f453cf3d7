from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("performance/", include("performance.urls")),
    path("", include("disclosures.portal_urls")),
    path("", include("disclosures.urls")),
]
