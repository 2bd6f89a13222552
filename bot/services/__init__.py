"""Use cases: plain values in, plain results out; one unit of work each."""
