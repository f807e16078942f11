"""A settings overlay for bench/services_load.py only: the app's settings and urls, plus one bare
JSON view (/bench/ping) as the throughput baseline. Never part of production urls."""
