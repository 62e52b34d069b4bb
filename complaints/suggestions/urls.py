"""URLs of the suggestions part, joined into the app's namespaces by complaints/urls*.py."""

from django.urls import path

from . import views_resident as resident_views
from . import views_staff as staff_views

resident: list = [  # namespace "complaints", under /
    path("suggestions/", resident_views.suggestion_board, name="suggestion_board"),
    path("suggestions/new/", resident_views.suggestion_create, name="suggestion_create"),
    path(
        "suggestions/<int:suggestion_id>/",
        resident_views.suggestion_detail,
        name="suggestion_detail",
    ),
    path(
        "suggestions/<int:suggestion_id>/support/",
        resident_views.suggestion_support,
        name="suggestion_support",
    ),
    path(
        "suggestions/<int:suggestion_id>/unsupport/",
        resident_views.suggestion_unsupport,
        name="suggestion_unsupport",
    ),
]
staff: list = [  # namespace "complaints_staff", under /staff/
    path("suggestions/", staff_views.suggestion_queue, name="suggestion_queue"),
    path("suggestions/export/", staff_views.suggestion_export, name="suggestion_export"),
    path(
        "suggestions/<int:suggestion_id>/", staff_views.suggestion_detail, name="suggestion_detail"
    ),
    path(
        "suggestions/<int:suggestion_id>/evaluate/",
        staff_views.suggestion_evaluate,
        name="suggestion_evaluate",
    ),
    path(
        "suggestions/<int:suggestion_id>/note/", staff_views.suggestion_note, name="suggestion_note"
    ),
    path(
        "suggestions/<int:suggestion_id>/decide/",
        staff_views.suggestion_decide,
        name="suggestion_decide",
    ),
    path(
        "suggestions/<int:suggestion_id>/merge/",
        staff_views.suggestion_merge,
        name="suggestion_merge",
    ),
    path(
        "suggestions/<int:suggestion_id>/steps/",
        staff_views.suggestion_step_add,
        name="suggestion_step_add",
    ),
    path(
        "suggestions/steps/<int:step_id>/edit/",
        staff_views.suggestion_step_edit,
        name="suggestion_step_edit",
    ),
    path(
        "suggestions/steps/<int:step_id>/remove/",
        staff_views.suggestion_step_remove,
        name="suggestion_step_remove",
    ),
    path(
        "suggestions/steps/<int:step_id>/done/",
        staff_views.suggestion_step_done,
        name="suggestion_step_done",
    ),
    path(
        "suggestions/<int:suggestion_id>/progress/",
        staff_views.suggestion_progress,
        name="suggestion_progress",
    ),
    path(
        "suggestions/<int:suggestion_id>/complete/",
        staff_views.suggestion_complete,
        name="suggestion_complete",
    ),
]
