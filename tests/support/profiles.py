"""Hypothesis profiles, loaded as a pytest plugin (``-p tests.support.profiles`` in pytest.ini).

``HYPOTHESIS_PROFILE`` picks one: ``dev`` (the default) keeps the developer loop fast with a
few examples per property; ``ci`` (set by ``.ci/run``) runs the full count. Both are
derandomized, so a run is reproducible and a failure shows again on the next run.
"""

import os

from hypothesis import settings

# Examples per property: the fuzz test sends 100 frames per example (one connection each),
# so ``ci`` is 10,000 frames and ``dev`` 300.
CI_EXAMPLES = 100
DEV_EXAMPLES = 3

# Hypothesis's own "ci" profile (derandomized, no deadline, no example database), fuller.
settings.register_profile("ci", settings.get_profile("ci"), max_examples=CI_EXAMPLES)
settings.register_profile("dev", settings.get_profile("ci"), max_examples=DEV_EXAMPLES)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
