"""
WSGI config for jinchen project.

It exposes the WSGI callable as a module-level variable named ``application``.

For more information on this file, see
https://docs.djangoproject.com/en/5.2/howto/deployment/wsgi/
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jinchen.settings")

application = get_wsgi_application()

# Production refuses to serve while demo accounts keep their published password (jinchen/security.py).
from jinchen.security import refuse_demo_accounts  # noqa: E402

refuse_demo_accounts()
