from django.urls import path

from disclosures import views

app_name = "disclosures"

urlpatterns = [
    path("", views.home, name="home"),
    path("disclosures/<int:pk>/", views.disclosure_detail, name="detail"),
    path("disclosures/<int:pk>/pdf/", views.disclosure_pdf, name="pdf"),
    path("review/disclosures/<int:pk>/", views.review_detail, name="review"),
    path("review/disclosures/<int:pk>/pdf/", views.review_pdf, name="review_pdf"),
]
