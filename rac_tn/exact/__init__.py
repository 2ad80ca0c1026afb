"""Exact ranks: separation and grid ranks modulo random primes, certification, spectra.

:func:`separation_rank` (:mod:`.rank`) runs attempts (:mod:`.attempts`) with random primes
and bounds every way a rank modulo p can fall short (:mod:`.certify`); :mod:`.hankel` gives
the linear RNN's Hankel rank; :mod:`.spectrum` the float singular values, labelled numerical.
A model whose cells read their input several times (linear attention) is ranked through its
own layers (:mod:`.layered`). :mod:`.function_dimension` is the dimension of an architecture's
function space (the generic rank of its parameters-to-function Jacobian).
"""
