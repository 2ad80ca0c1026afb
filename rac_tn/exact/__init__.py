"""Exact ranks: separation and grid ranks modulo random primes, certification, Hankel, spectra."""
