from django.urls import path

from disclosures import narrative_views, views

app_name = "disclosures"

urlpatterns = [
    path("disclosures/<int:pk>/", views.disclosure_detail, name="detail"),
    path("disclosures/<int:pk>/pdf/", views.disclosure_pdf, name="pdf"),
    path("review/", views.review_dashboard, name="review_dashboard"),
    path("review/disclosures/<int:pk>/", views.review_detail, name="review"),
    path("review/disclosures/<int:pk>/pdf/", views.review_pdf, name="review_pdf"),
    path("review/disclosures/<int:pk>/submit/", views.review_submit, name="review_submit"),
    path("review/disclosures/<int:pk>/return/", views.review_return, name="review_return"),
    path("review/disclosures/<int:pk>/approve/", views.review_approve, name="review_approve"),
    path("review/disclosures/<int:pk>/publish/", views.review_publish, name="review_publish"),
    path("review/disclosures/<int:pk>/correct/", views.review_correct, name="review_correct"),
    path("review/disclosures/<int:pk>/decide/", views.review_decide, name="review_decide"),
    path("review/disclosures/<int:pk>/comment/", views.review_comment, name="review_comment"),
    path("review/disclosures/<int:pk>/narrative/", narrative_views.narrative_edit, name="narrative_edit"),
    path("review/disclosures/<int:pk>/diff/", __import__("disclosures.diff_views").diff_views.diff, name="review_diff"),
]
