"""/api/v1/: the API's endpoints, its OpenAPI document and reference page, and a problem for any
other path under it. None of them uses the session: each request brings its key, so none needs
a signed-in person (LoginRequiredMiddleware lets them through) and none takes a CSRF token."""

from django.contrib.auth.decorators import login_not_required
from django.urls import re_path

from api.app import api
from api.problems import not_found, problem_response

patterns, _app_name, app_name = api.urls  # the namespace ninja reverses its own URLs in: "api"


@login_not_required
def unknown(request, rest):
    return problem_response(request, not_found())


for pattern in patterns:
    pattern.callback.login_required = False

urlpatterns = [*patterns, re_path(r"^(?P<rest>[\s\S]*)$", unknown)]
