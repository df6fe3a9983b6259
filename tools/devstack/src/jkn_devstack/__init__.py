"""Development and CI infrastructure of jkn-daerah.

``ensure_database`` gives every service its own login role and schema in one database;
``ensure_topics`` creates the catalogue's topics and the dead-letter topics explicitly
(the broker never auto-creates). ``python -m jkn_devstack up|down|status|topics|db NAME``.
"""

from jkn_devstack.database import SERVICES, Service, ensure_database, service_env
from jkn_devstack.topics import ensure_topics, wanted_topics

__all__ = [
    "SERVICES",
    "Service",
    "ensure_database",
    "ensure_topics",
    "service_env",
    "wanted_topics",
]
