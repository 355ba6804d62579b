"""Creates the schema and the fixtures of a fresh CAS database (the one named by CAS_DB).

Migrating and seeding in one process saves a second Django start-up.
"""
import os

import django

os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'casproj.settings')
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402

from cas_server.models import ReplaceAttributName, ServicePattern  # noqa: E402

call_command('migrate', verbosity=0)

User = get_user_model()
User.objects.create_user('alice', 'alice@example.test', 'alicepw', first_name='Alice', last_name='Liddell')
User.objects.create_user('bob', 'bob@example.test', 'bobpw', first_name='Bob', last_name='Builder')

# Any loopback service is admitted; a service URL outside it is refused on the login form.
loopback = ServicePattern.objects.create(
    pos=1,
    name='loopback',
    pattern=r'^https?://(127\.0\.0\.1|localhost)(:\d+)?(/.*)?$',
)
# Attributes are only released for the names registered on the service pattern.
for name in ('email', 'first_name', 'last_name'):
    ReplaceAttributName.objects.create(name=name, service_pattern=loopback)
