"""newstag's plain-torch encoder against sentence-transformers, which the package that ships
the weights installs: the same vectors, so models trained either way agree."""

import numpy as np
import pytest

from newstag.errors import ConfigError
from newstag.model.embeddings import INSTALL_HINT, bundled_model_path, embeddings_available
from newstag.model.encoder import BertSentenceEncoder

from .conftest import ROOT

pytestmark = pytest.mark.needs_extra


@pytest.fixture(scope="module")
def folder():
    if not embeddings_available():
        pytest.fail(f"the embeddings extra is not installed: {INSTALL_HINT}")
    return bundled_model_path()


def test_the_encoder_gives_sentence_transformers_vectors(folder):
    from sentence_transformers import SentenceTransformer

    seeds = (ROOT / "seeds").glob("*.txt")
    texts = [line for path in sorted(seeds) for line in path.read_text(encoding="utf-8").splitlines()]
    texts += ["", "  surrounded by spaces  ", "long " * 400]  # empty, spaced, truncated at 256 tokens
    reference = SentenceTransformer(folder, device="cpu", local_files_only=True)
    expected = reference.encode(texts, batch_size=8, normalize_embeddings=True, show_progress_bar=False)
    np.testing.assert_allclose(BertSentenceEncoder(folder).encode(texts, batch_size=8), expected, atol=1e-5)


def test_a_folder_that_is_not_a_mean_pooled_bert_is_refused(folder, tmp_path):
    import shutil

    copy = tmp_path / "model"
    shutil.copytree(folder, copy)
    (copy / "1_Pooling" / "config.json").write_text('{"pooling_mode_cls_token": true}')
    with pytest.raises(ConfigError, match="not a BERT model with mean pooling"):
        BertSentenceEncoder(copy)
