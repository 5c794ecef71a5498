from django.urls import path

from surveys import views

app_name = "surveys"

urlpatterns = [
    path("", views.consultation_index, name="index"),
    path("consultations/<slug:slug>/", views.consultation_detail, name="detail"),
]
