"""The tasks service's dependencies beyond its database."""
import hashlib
import os
import tempfile
from pathlib import Path

from nameko.extensions import DependencyProvider

from services.common.config import data_dir

from .settings import TasksSettings


class EvidenceFiles:
    """Evidence stored by content hash under <data dir>/evidence, so the same file
    uploaded twice is kept once."""

    def __init__(self, root: Path, max_bytes: int):
        self.root = root
        self.max_bytes = max_bytes

    def path(self, sha256):
        return self.root / sha256[:2] / sha256

    def save(self, content: bytes):
        digest = hashlib.sha256(content).hexdigest()
        target = self.path(digest)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            # Write then rename, so a crash never leaves half a file under the name.
            handle, temporary = tempfile.mkstemp(dir=target.parent)
            with os.fdopen(handle, "wb") as stream:
                stream.write(content)
            os.replace(temporary, target)
        return digest

    def read(self, sha256):
        return self.path(sha256).read_bytes()


class Evidence(DependencyProvider):
    def setup(self):
        config = self.container.config
        self.files = EvidenceFiles(
            data_dir(config) / "evidence",
            TasksSettings.from_config(config).evidence_max_bytes,
        )

    def get_dependency(self, worker_ctx):
        return self.files
