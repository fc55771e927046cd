"""Routes under each community's URL (``/communities/<slug>/...``), served by ``CommunityPage``."""

from django.urls import path

from khub_plugin.communities import views

urlpatterns = [
    path("", views.landing, name="landing"),
    path("members/", views.members, name="members"),
    path("join/", views.join, name="join"),
    path("request/", views.request_to_join, name="request"),
    path("request/withdraw/", views.withdraw, name="withdraw"),
    path("leave/", views.leave, name="leave"),
    path("invitation/accept/", views.accept_invitation, name="invitation_accept"),
    path("invitation/decline/", views.decline_invitation, name="invitation_decline"),
    path("manage/", views.manage, name="manage"),
    path("manage/moderation/", views.moderation_log, name="moderation_log"),
    path("manage/invite/", views.invite, name="invite"),
    path("manage/stage/", views.change_stage, name="stage"),
    path("manage/tools/", views.change_tools, name="tools"),
    path(
        "manage/requests/<int:membership_id>/<str:decision>/",
        views.decide_request,
        name="decide",
    ),
    path(
        "manage/members/<int:membership_id>/<str:action>/",
        views.manage_member,
        name="member_action",
    ),
]
