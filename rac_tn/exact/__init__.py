"""Exact ranks: separation and grid ranks modulo random primes, certification, Hankel, spectra.

A model whose cells read their input several times (linear attention) is ranked through its
own layers (:mod:`.layered`); :mod:`.function_dimension` is the dimension of an architecture's
function space (the generic rank of its parameters-to-function Jacobian).
"""
