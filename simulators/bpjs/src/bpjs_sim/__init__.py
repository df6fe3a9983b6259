"""A BPJS Kesehatan bridging simulator: VClaim look-ups and a PBI APBD registration port.

Run it with ``python -m bpjs_sim``; build it in-process with :func:`create_app`.
"""

from bpjs_sim.app import create_app
from bpjs_sim.settings import SimSettings

__all__ = ["SimSettings", "create_app"]
