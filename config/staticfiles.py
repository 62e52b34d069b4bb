"""The static files storage of `make run`: production's (WhiteNoise's compressed, hashed files,
see config/settings/local.py), with hashed addresses even though DEBUG is on."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class LocalManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Django's manifest storage gives the plain names while DEBUG is on. `make run` collects
    the files first, so pages name the hashed, compressed copies WhiteNoise caches for a year, as
    in production. A file the last collectstatic did not see (a new one, or a runserver started
    without `make run`) keeps its plain name: WhiteNoise then serves it from the source folders."""

    manifest_strict = False

    def url(self, name, force=False):
        known = bool(name) and self.hash_key(self.clean_name(name)) in self.hashed_files
        return super().url(name, force=force or known)
