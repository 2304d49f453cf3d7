from django.urls import path

from performance import views

app_name = "performance"

urlpatterns = [
    path("forms/<int:pk>/", views.form_detail, name="form_detail"),
    path("departments/<int:department>/<int:fiscal_year>/forms/", views.form_list, name="forms"),
    path("departments/<int:department>/<int:fiscal_year>/forms/pdf/", views.form_list_pdf, name="forms_pdf"),
]
