"""Regenerate the images of the "Any tensor network" gallery (docs/gallery_networks.md).

Each network is drawn twice: by ``rac_tn.draw`` (its structure's layout, its minimum cut) and by
quimb's own ``tn.draw()`` (a force layout), both saved as PNG in ``docs/images/``::

    python docs/make_gallery_networks.py

The sections between the ``--8<--`` markers are shown on the gallery page.
"""

# ruff: noqa: E402

from __future__ import annotations

import logging
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import quimb.tensor as qtn

from rac_tn import draw

OUT = Path(__file__).resolve().parent / "images"


def binary_tree(leaves=8, bond=3, phys=2, seed=0):
    """A binary tree tensor network: leaves k0..k7 on the bottom tensors, named by level."""
    rng = np.random.default_rng(seed)
    tensors, level, depth = [], [f"k{i}" for i in range(leaves)], 0
    while len(level) > 1:
        up_level = []
        for j in range(0, len(level), 2):
            up = f"u{depth}_{j // 2}" if len(level) > 2 else None
            inds = (level[j], level[j + 1]) + ((up,) if up else ())
            shape = [phys if i.startswith("k") else bond for i in inds]
            tag = f"{'ABC'[depth]}{j // 2}"  # A0..A3, B0, B1, C0
            tensors.append(qtn.Tensor(rng.normal(size=shape), inds=inds, tags={tag}))
            up_level.append(up)
        level, depth = up_level, depth + 1
    return qtn.TensorNetwork(tensors)


FIGURES = {}  # name: (network, rac_tn's figure)

# --8<-- [start:mps]
mps = qtn.MPS_rand_state(8, bond_dim=3, phys_dim=2, seed=0)
fig = draw(mps, cut=(["k0", "k1", "k2", "k3"], ["k4", "k5", "k6", "k7"]), dims=True)
# --8<-- [end:mps]
FIGURES["mps"] = (mps, fig)

# --8<-- [start:mpo]
mpo = qtn.MPO_rand(8, bond_dim=3, phys_dim=2, seed=0)
fig = draw(mpo, cut=(["I0", "I1", "I2"], ["I3", "I4", "I5", "I6", "I7"]), dims=True)  # tags
# --8<-- [end:mpo]
FIGURES["mpo"] = (mpo, fig)

# --8<-- [start:peps]
peps = qtn.PEPS.rand(3, 3, bond_dim=2, phys_dim=3, seed=0)
block = ["I0,0", "I0,1", "I1,0", "I1,1"]  # the top left 2 x 2 block (tags) against the rest
rest = ["I0,2", "I1,2", "I2,0", "I2,1", "I2,2"]
fig = draw(peps, cut=(block, rest), dims=True)
# --8<-- [end:peps]
FIGURES["peps"] = (peps, fig)

# --8<-- [start:tree]
tree = binary_tree(8, bond=3, phys=2)  # A0..A3 hold the leaves k0..k7, then B0, B1, C0
fig = draw(tree, cut=(["k0", "k1", "k2"], ["k3", "k4", "k5", "k6", "k7"]), dims=True)
# --8<-- [end:tree]
FIGURES["tree"] = (tree, fig)

# --8<-- [start:mera]
mera = qtn.MERA.rand(8, max_bond=2)
fig = draw(mera, cut=(["k0", "k1", "k2", "k3"], ["k4", "k5", "k6", "k7"]))
# --8<-- [end:mera]
FIGURES["mera"] = (mera, fig)

# --8<-- [start:copy]
rng = np.random.default_rng(0)
copy_net = qtn.TensorNetwork(
    [
        qtn.Tensor(rng.normal(size=(4, 3, 2)), inds=("p0", "b0", "e"), tags={"A"}),
        qtn.Tensor(rng.normal(size=(4, 3, 2)), inds=("p1", "b1", "e"), tags={"B"}),
        qtn.Tensor(rng.normal(size=(4, 3)), inds=("p2", "b2"), tags={"C"}),
        qtn.Tensor(rng.normal(size=(4, 3)), inds=("p3", "b3"), tags={"D"}),
        qtn.COPY_tensor(3, inds=("b0", "b1", "b2", "b3")),  # detected: priced once
    ]
)
fig = draw(copy_net, cut=(["p0", "p1"], ["p2", "p3"]), dims=True)
# --8<-- [end:copy]
FIGURES["copy"] = (copy_net, fig)

OUT.mkdir(exist_ok=True)
logging.getLogger("fontTools").setLevel(logging.ERROR)
for name, (tn, figure) in FIGURES.items():
    ours = OUT / f"networks_{name}.png"
    figure.savefig(ours, dpi=220, facecolor="white")
    w, h = (round(v * 2.54, 1) for v in figure.get_size_inches())
    quimb_fig = tn.draw(return_fig=True, figsize=(3.2, 3.2))  # quimb's own drawing
    quimb_fig.savefig(OUT / f"networks_{name}_quimb.png", dpi=80, facecolor="white")
    plt.close(quimb_fig)
    print(f"{name}: {w} x {h} cm, {ours.stat().st_size // 1024} kB; quimb's beside it")
