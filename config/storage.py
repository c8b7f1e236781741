"""The static files storage in production: WhiteNoise's compressed files under hashed
names (cached for ever by browsers), with the page script's ES module imports
(``from './app/api.js'``) rewritten to the hashed names as well, so a deployment never
mixes one version's modules with another's."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):  # type: ignore[misc]
    support_js_module_import_aggregation = True
