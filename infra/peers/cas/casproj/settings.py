"""Settings for a throwaway CAS server used by the integration tests.

Everything that differs between instances comes from the environment, so that several
servers can run side by side, each with its own database in a temp dir.
"""
import os

SECRET_KEY = 'test-only-not-secret'
DEBUG = False
ALLOWED_HOSTS = ['127.0.0.1', 'localhost']

INSTALLED_APPS = [
    'django.contrib.auth',
    'django.contrib.contenttypes',
    'django.contrib.sessions',
    'django.contrib.messages',
    'cas_server',
]
MIDDLEWARE = [
    'django.contrib.sessions.middleware.SessionMiddleware',
    'django.middleware.common.CommonMiddleware',
    'django.middleware.csrf.CsrfViewMiddleware',
    'django.contrib.auth.middleware.AuthenticationMiddleware',
    'django.contrib.messages.middleware.MessageMiddleware',
]
TEMPLATES = [{
    'BACKEND': 'django.template.backends.django.DjangoTemplates',
    'APP_DIRS': True,
    'DIRS': [],
    'OPTIONS': {'context_processors': [
        'django.template.context_processors.request',
        'django.contrib.auth.context_processors.auth',
        'django.contrib.messages.context_processors.messages',
    ]},
}]
ROOT_URLCONF = 'casproj.urls'

# No default: a run must never write a database into the repository.
DATABASES = {'default': {
    'ENGINE': 'django.db.backends.sqlite3',
    'NAME': os.environ['CAS_DB'],
    # The dev server is threaded; concurrent logins wait for the write lock instead of failing.
    'OPTIONS': {'timeout': 20},
}}

USE_TZ = True
TIME_ZONE = 'UTC'
STATIC_URL = '/static/'
DEFAULT_AUTO_FIELD = 'django.db.models.AutoField'
SILENCED_SYSTEM_CHECKS = ['models.W042']
# Test-only: the default PBKDF2 hasher makes each login take ~0.5 s.
PASSWORD_HASHERS = ['django.contrib.auth.hashers.MD5PasswordHasher']

CAS_AUTH_CLASS = 'cas_server.auth.DjangoAuthUser'
# Both default to True and make the server call pypi.org.
CAS_NEW_VERSION_HTML_WARNING = False
CAS_NEW_VERSION_EMAIL_WARNING = False
CAS_SHOW_POWERED = False
# Seconds a service ticket stays valid; tests of expiry set it to 1.
CAS_TICKET_VALIDITY = int(os.environ.get('CAS_TICKET_VALIDITY', '60'))
