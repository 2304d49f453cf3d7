"""Citizen portal URLs (published data only). Views live in portal_views.py, downloads and API in their modules."""


app_name = "portal"

urlpatterns: list = []
