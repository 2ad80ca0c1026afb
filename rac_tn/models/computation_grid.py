"""The computation grid of a model as a networkx DAG: one node per value computed.

Node names, roles and path counts are those of :mod:`rac_tn.counting`; a node's ``dim`` is the
dimension the symmetric cut prices it at (the model's ``node_dim`` / ``input_node_dim``).

Examples
--------
>>> g = computation_grid(2, 3)
>>> g.nodes["h", 1, 2]["paths"], g.number_of_nodes()
(2, 10)
"""

from __future__ import annotations

import networkx as nx
import numpy as np

from rac_tn._checks import positive_int
from rac_tn.counting import Node, NodeRole, degree_scales, paths
from rac_tn.models.protocol import RecurrentModel, check_model


def computation_grid(
    rac_or_depth: RecurrentModel | int,
    T: int,
    *,
    input_dim: int | None = None,
    hidden_dim: int | None = None,
    num_classes: int | None = None,
) -> nx.DiGraph:
    """The computation grid DAG for sequence length ``T``.

    Parameters
    ----------
    rac_or_depth
        A model (its ``input_node_dim``, ``node_dim`` and number of classes become the node
        ``dim`` attributes: M, R, C for a RAC) or the depth L.
    T
        The sequence length.
    input_dim, hidden_dim, num_classes
        Node dimensions when a depth is given (optional; ``dim`` is then omitted if unknown).

    Returns
    -------
    networkx.DiGraph
        Node attributes: ``role`` ('input' | 'cell' | 'output'), ``layer`` (0 for inputs,
        L+1 for the output), ``time`` (T for the output), ``paths`` (to the output, each
        counted once per input leg it climbs: the output's degree in the node) and ``dim``.
        Edge attribute ``multiplicity``: how many times the successor reads the node (a
        model's arity on the edges into its layers, else 1).

    Raises
    ------
    TypeError, ValueError
        When the depth or ``T`` is not a positive integer.

    Examples
    --------
    >>> g = computation_grid(1, 2, input_dim=3, hidden_dim=2)
    >>> sorted(g.successors(("h", 1, 1)))
    [('h', 1, 2)]
    >>> g.nodes["x", 2]["dim"]
    3
    """
    arities = None
    if isinstance(rac_or_depth, int | np.integer) or not hasattr(rac_or_depth, "layers"):
        L = positive_int(rac_or_depth, "depth")
    else:
        model = check_model(rac_or_depth, "rac_or_depth")
        L = model.depth
        input_dim, hidden_dim, num_classes = (
            model.input_node_dim,
            model.node_dim,
            model.num_classes,
        )
        arities = model.arities
    T = positive_int(T, "T")
    g = degree_scales(arities, L)
    legs = (1,) * L if arities is None else tuple(arities)
    dims = {"input": input_dim, "cell": hidden_dim, "output": num_classes}
    graph: nx.DiGraph[Node] = nx.DiGraph(depth=L, T=T)

    def add(node: Node, role: NodeRole, layer: int, time: int) -> None:
        attrs = {"role": role, "layer": layer, "time": time}
        attrs["paths"] = 1 if role == "output" else paths(L, T, layer, time) * g[layer]
        if (dim := dims[role]) is not None:
            attrs["dim"] = int(dim)
        graph.add_node(node, **attrs)

    for t in range(1, T + 1):
        add(("x", t), "input", 0, t)
        for layer in range(1, L + 1):
            add(("h", layer, t), "cell", layer, t)
    add(("y",), "output", L + 1, T)
    for t in range(1, T + 1):
        graph.add_edge(("x", t), ("h", 1, t), multiplicity=legs[0])
        for layer in range(1, L + 1):
            if layer > 1:
                graph.add_edge(("h", layer - 1, t), ("h", layer, t), multiplicity=legs[layer - 1])
            if t > 1:
                graph.add_edge(("h", layer, t - 1), ("h", layer, t), multiplicity=1)
    graph.add_edge(("h", L, T), ("y",), multiplicity=1)
    return graph
