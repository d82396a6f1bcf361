from django.conf import settings
from django.utils import translation


class ItalianFirstLocaleMiddleware:
    """Italian unless the person chose another language with the switch (a cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language; the product is
    Italian first, so the browser's preference is not enough to change it.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        try:
            response = self.get_response(request)
        finally:
            translation.deactivate()  # the thread's next work (a task, another request) starts in Italian
        response.headers.setdefault("Content-Language", language)
        return response
