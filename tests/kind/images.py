"""Put the course images into Docker from the local engine's archives, for the kind stage (tests/kind/run.sh).

On kind, `kds up` builds each image from its Dockerfile, which needs the internet the first
time; CI has none, so the images the local engine built offline go into Docker instead, under
the same names. An image Docker holds already is left alone.
"""

from __future__ import annotations

import sys

from kdsutils._run import run
from kdsutils.cluster.local import images


def main() -> None:
    for name in images.course_names():
        ref = images.reference(name)
        if run(["docker", "image", "inspect", ref], check=False, timeout=60).returncode == 0:
            continue
        archive = images.build(name, progress=lambda line: print(line, file=sys.stderr))
        run(["docker", "load", "-q", "-i", str(archive)], timeout=600)
        print(f"{ref}: loaded into Docker from {archive.name}")


if __name__ == "__main__":
    main()
