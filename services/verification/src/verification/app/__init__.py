"""Use cases of Dinas Kesehatan: event handlers (``handlers``) and the quota (``quota``)."""
