from django.urls import path

from . import views_bulletins as views

urlpatterns = [
    path("bulletins/", views.bulletin_list, name="bulletin_list"),
    path("bulletins/preview/", views.bulletin_preview, name="bulletin_preview"),
    path("bulletins/issue/", views.bulletin_issue, name="bulletin_issue"),
    path("bulletins/<int:pk>/", views.bulletin_detail, name="bulletin_detail"),
    path("bulletins/<int:pk>.docx", views.bulletin_download, name="bulletin_download"),
]
