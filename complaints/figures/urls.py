"""URLs of the figures part, joined into the app's namespaces by complaints/urls*.py."""

from django.urls import path

from . import views_staff

resident: list = []  # namespace "complaints", under /
staff: list = [  # namespace "complaints_staff", under /staff/
    path("complaints/figures/", views_staff.figures, name="figures"),
    path("complaints/settings/categories/", views_staff.category_list, name="category_list"),
    path(
        "complaints/settings/categories/new/",
        views_staff.category_create,
        name="category_create",
    ),
    path(
        "complaints/settings/categories/<int:complaint_category_id>/",
        views_staff.category_edit,
        name="category_edit",
    ),
    path("complaints/settings/departments/", views_staff.department_list, name="department_list"),
    path(
        "complaints/settings/departments/new/",
        views_staff.department_create,
        name="department_create",
    ),
    path(
        "complaints/settings/departments/<int:department_id>/",
        views_staff.department_edit,
        name="department_edit",
    ),
]
