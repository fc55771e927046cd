from django.http import HttpResponse
from django.urls import path


def notes_index(request, community):
    return HttpResponse(f"notes of {community.title}")


def note_detail(request, community, number):
    return HttpResponse(f"note {number} of {community.title}")


urlpatterns = [
    path("", notes_index, name="index"),
    path("<int:number>/", note_detail, name="detail"),
]
