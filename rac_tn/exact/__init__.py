"""Exact ranks: separation and grid ranks modulo random primes, certification, spectra.

:func:`separation_rank` (:mod:`.rank`) runs attempts (:mod:`.attempts`) with random primes
and bounds every way a rank modulo p can fall short (:mod:`.certify`); :mod:`.hankel` gives
the linear RNN's Hankel rank; :mod:`.spectrum` the float singular values, labelled numerical.
"""
