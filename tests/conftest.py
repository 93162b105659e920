"""Shared fixtures: the project's config, small labelled data, a trained model."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from newstag.config import load_config

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def config():
    return load_config(ROOT / "configs" / "default.toml")


@pytest.fixture(scope="session")
def taxonomy(config):
    return config.taxonomy


@pytest.fixture(scope="session")
def small_export_path() -> Path:
    return DATA / "export_small.json"


@pytest.fixture(scope="session")
def small_dataset(small_export_path, taxonomy):
    from newstag.dataset import load_labelled

    return load_labelled(small_export_path, taxonomy)


@pytest.fixture(scope="session")
def trained_model_dir(tmp_path_factory, small_dataset, config) -> Path:
    from newstag.persist import save_model
    from newstag.report import model_card
    from newstag.training import train_model

    trained = train_model(small_dataset, config)
    return save_model(
        trained.tagger, trained.meta, model_card(trained.meta), tmp_path_factory.mktemp("m") / "model"
    )


@pytest.fixture
def in_project(monkeypatch):
    """Run a command from the project root, where configs/ and labeling/ are."""
    monkeypatch.chdir(ROOT)
    return ROOT


def running_in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"
