"""Citizen portal URLs (published data only). Views live in portal_views.py, downloads and API in their modules."""

from django.urls import path, re_path

from disclosures import api, dictionary, download_views
from disclosures import portal_views as views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("disclosures/", views.DisclosureListView.as_view(), name="disclosure_list"),
    path("disclosures/<int:pk>/drilldown/", views.disclosure_drilldown_view, name="disclosure_drilldown"),
    path("regions/<int:region_pk>/<int:fiscal_year>/drilldown/", views.region_drilldown_view, name="region_drilldown"),
    path("projects/", views.ProjectSearchView.as_view(), name="project_search"),
    path("departments/<int:pk>/", views.department_profile_view, name="department_profile"),
    # Downloads (disclosures/downloads.py, download_views.py): published only.
    re_path(
        r"^disclosures/(?P<pk>[0-9]+)/download\.(?P<fmt>csv|xlsx|json)$",
        download_views.disclosure_download,
        name="disclosure_download",
    ),
    re_path(
        r"^disclosures/(?P<pk>[0-9]+)/tables/(?P<key>[a-z0-9_]+)\.(?P<fmt>csv|xlsx|json)$",
        download_views.table_download,
        name="table_download",
    ),
    # Read-only JSON API (disclosures/api.py) and its data dictionary (disclosures/dictionary.py).
    path("api/v1/disclosures/", api.disclosure_list, name="api_disclosures"),
    path("api/v1/disclosures/<int:pk>/", api.disclosure_detail, name="api_disclosure"),
    path("api/v1/disclosures/<int:pk>/tables/<slug:key>/", api.table_detail, name="api_table"),
    path("api/v1/projects/", api.project_list, name="api_projects"),
    path("api/v1/forms/<int:pk>/", api.form_detail, name="api_form"),
    path("api/v1/indicators/", api.indicator_list, name="api_indicators"),
    path("data-dictionary/", dictionary.data_dictionary, name="data_dictionary"),
]
