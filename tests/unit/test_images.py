"""The one image catalogue: every folder under images/ reaches both backends."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kdsutils import images
from kdsutils.cluster import metrics_server_manifest
from kdsutils.cluster.kind import plan_up
from kdsutils.cluster.local import images as engine_images
from kdsutils.errors import KdsError
from kdsutils.versions import ENGINE_DIR


def _folders() -> list[str]:
    return sorted(p.name for p in images.IMAGES_DIR.iterdir() if p.is_dir())


def test_every_image_folder_is_a_course_image() -> None:
    assert [i.name for i in images.course_images()] == _folders()


def test_the_local_engine_loads_every_course_image() -> None:
    refs = engine_images.references()
    for image in images.course_images():
        assert refs[image.name] == image.ref


def test_kind_builds_and_loads_every_course_image() -> None:
    commands = plan_up(exists=True, images=images.course_images(), engine="docker")
    loaded = [c[3] for c in commands if c[:3] == ["kind", "load", "docker-image"]]
    assert loaded == [i.ref for i in images.course_images()]


def test_the_docker_free_recipe_knows_every_base_image() -> None:
    script = (ENGINE_DIR / "build-image.sh").read_text()
    cases = set(re.findall(r"^  ([a-z0-9-]+)\)$", script, flags=re.MULTILINE))
    missing = [image.name for image in images.course_images() if not image.on_demand and image.name not in cases]
    assert not missing, f"build-image.sh has no recipe for {missing}"


def test_images_built_beside_the_engine_use_none_of_its_programs() -> None:
    # local.build() builds course_names() while build.sh compiles: their recipes must not read
    # the engine's cached programs (the script's `bin` helper), or a cold build would race.
    script = (ENGINE_DIR / "build-image.sh").read_text()
    recipes = dict(re.findall(r"^  ([a-z0-9-]+)\)\n(.*?);;", script, flags=re.MULTILINE | re.DOTALL))
    assert set(engine_images.ENGINE_IMAGES) <= set(recipes)
    uses_engine = {name for name, body in recipes.items() if "$(bin " in body}
    assert uses_engine == set(engine_images.ENGINE_IMAGES)
    assert not uses_engine & set(engine_images.course_names())


def test_a_tool_image_starts_from_the_current_tag_of_its_base() -> None:
    tools = [image for image in images.course_images() if image.on_demand]
    assert [image.name for image in tools] == ["dask", "jupyterhub", "mlflow"]
    for image in tools:
        bases = images.dockerfile_bases((image.context / "Dockerfile").read_text())
        assert bases == [images.reference(image.base)], f"images/{image.name}/Dockerfile: FROM the base's TAG"


def test_kind_up_leaves_tool_images_for_their_first_lesson(monkeypatch: pytest.MonkeyPatch) -> None:
    from kdsutils.cluster import kind

    ran: list[list[str]] = []
    monkeypatch.setattr(kind, "_engine", lambda: "docker")
    monkeypatch.setattr(kind, "_exists", lambda engine: True)
    monkeypatch.setattr(kind, "_has_image", lambda engine, ref: True)
    monkeypatch.setattr(kind, "run", lambda command, **kw: ran.append(command))
    kind.up(progress=lambda line: None)
    loaded = [c[3] for c in ran if c[:3] == ["kind", "load", "docker-image"]]
    assert loaded == [i.ref for i in images.course_images() if not i.on_demand]
    ran.clear()
    kind.load_image("mlflow", progress=lambda line: None)
    assert ran == [["kind", "load", "docker-image", images.reference("mlflow"), "--name", "kds"]]


def test_every_image_name_uses_the_one_registry() -> None:
    for ref in engine_images.references().values():
        assert ref.startswith(f"{images.REGISTRY}/")
        assert not ref.endswith(":latest")


def test_a_folder_without_a_usable_tag_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "images" / "trainer"
    folder.mkdir(parents=True)
    (folder / "Dockerfile").write_text("FROM scratch\n")
    (folder / "TAG").write_text("latest\n")
    with pytest.raises(KdsError, match="TAG") as caught:
        images.course_images(tmp_path)
    assert "not 'latest'" in caught.value.fix


def test_an_unknown_image_name_lists_the_known_ones() -> None:
    with pytest.raises(KdsError, match="no course image 'pyhton-ds'") as caught:
        images.reference("pyhton-ds")
    assert "python-ds" in caught.value.fix


def test_course_charts_name_course_images_by_their_current_tag() -> None:
    import yaml

    tags = {f"{images.REGISTRY}/{i.name}": i.tag for i in images.course_images()}
    for values in sorted((images.REPO_ROOT / "charts").glob("*/values.yaml")):
        image = yaml.safe_load(values.read_text()).get("image") or {}
        if image.get("repository") in tags:
            assert str(image.get("tag")) == tags[image["repository"]], f"{values}: bump the tag to match images/"


def test_metrics_server_builds_the_version_its_tag_names() -> None:
    folder = images.IMAGES_DIR / "metrics-server"
    default = re.search(r"^ARG VERSION=(\S+)$", (folder / "Dockerfile").read_text(), re.MULTILINE)
    assert default is not None and default.group(1) == images.read_tag(folder)
    manifest = metrics_server_manifest()
    assert f"image: {images.reference('metrics-server')}" in manifest and "$" not in manifest
