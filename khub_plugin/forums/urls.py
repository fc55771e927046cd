"""Routes of the forum, under ``<community>/forum/``."""

from django.urls import path

from khub_plugin.forums import feeds, views

urlpatterns = [
    path("", views.topic_list, name="index"),
    path("new/", views.new_topic, name="new"),
    path("follow/", views.follow, name="follow"),
    path("feed/<str:kind>/", feeds.forum_feed, name="feed"),
    path("<int:pk>/", views.topic, name="topic"),
    path("<int:pk>/reply/", views.reply, name="reply"),
    path("<int:pk>/follow/", views.follow, name="follow_topic"),
    path("<int:pk>/tags/", views.add_tags, name="add_tags"),
    path("<int:pk>/tags/remove/", views.remove_tag, name="remove_tag"),
    path("<int:pk>/answer/clear/", views.clear_answer, name="clear_answer"),
    path("<int:pk>/move/", views.move_topic, name="move"),
    path("<int:pk>/feed/<str:kind>/", feeds.topic_feed, name="topic_feed"),
    path("<int:pk>/<str:action>/", views.moderate_topic, name="moderate"),
    path("posts/<int:post_id>/", views.post_permalink, name="post"),
    path("posts/<int:post_id>/edit/", views.edit_post, name="edit"),
    path("posts/<int:post_id>/delete/", views.delete_post, name="delete"),
    path("posts/<int:post_id>/history/", views.post_history, name="history"),
    path("posts/<int:post_id>/answer/", views.accept_answer, name="accept"),
    path("posts/<int:post_id>/<str:action>/", views.moderate_post, name="moderate_post"),
]
