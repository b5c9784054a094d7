"""Train a persona pack's decoder from scratch on its procedural dataset.

    python tools/train_pack.py persona_packs/ikeda --steps 2400

Reads the pack manifest (``pack.toml``) for the dataset generator and the
model shape, trains the VAE (CPU here, CUDA when present), and writes the
decoder weights (safetensors, with scene anchors and the training record in
the metadata), ``TRAINING.json`` and a sample grid of random-prior decodes
into the pack.  Same as ``vjhost train PACK_DIR``.
"""

from __future__ import annotations

import sys

from vjhost.train.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
