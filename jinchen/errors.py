"""The project's own Chinese error pages while DEBUG is on, as `make run` (the demo) has it.

With DEBUG on, Django answers a wrong address with its English debug page, which lists every URL pattern and is
980 px wide on a phone, and an error with a traceback page. People meet the demo first, so they get the pages
templates/404.html and 500.html there too; the traceback still goes to the log (logger django.request, as Django
logs it). DEBUG_ERROR_PAGES=django in the environment brings Django's debug pages back for a developer.
"""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import Resolver404, resolve
from django.views import defaults

logger = logging.getLogger("django.request")


def own_pages():
    return settings.DEBUG and settings.DEBUG_ERROR_PAGES == "own"


class OwnErrorPagesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if own_pages():
            try:  # an address no pattern matches never reaches a view, so process_exception would not see it
                resolve(request.path_info, getattr(request, "urlconf", None))
            except Resolver404 as error:
                return defaults.page_not_found(request, error)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not own_pages():
            return None
        if isinstance(exception, Http404):
            return defaults.page_not_found(request, exception)
        if isinstance(exception, PermissionDenied):
            return defaults.permission_denied(request, exception)
        logger.error("Internal Server Error: %s", request.path, exc_info=exception, extra={"request": request})
        return defaults.server_error(request)
