"""`make bench`: MTB at hospital scale, measured from outside (issue 11); see benchmarks/README.md.

Not part of the test suite."""
