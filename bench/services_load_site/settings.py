from lianxin.settings import *  # noqa: F403

ROOT_URLCONF = "services_load_site.urls"
