"""Exact and scaled arithmetic: residues modulo primes, compiled kernels, elimination, FLINT.

Nothing here knows about models: these are the number-crunching layers the models, networks
and exact ranks are built on (residue products and pair kernels, float64 BLAS elimination
modulo small primes, products modulo 2^61 - 1, FLINT ``nmod_mat`` ranks, and float evaluation
that keeps its powers of two aside).
"""
