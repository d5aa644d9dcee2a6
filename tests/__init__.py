"""The test suite. Imported before any test module or conftest, so it sets up the run's imports.

Bytecode is cached for the run even where PYTHONDONTWRITEBYTECODE is set (as on the shared
development machines): without the cache every run compiles hub/ again and rewrites each test
module's asserts again, seconds of CPU per run and per xdist worker. __pycache__ is ignored by git.
"""

import sys

sys.dont_write_bytecode = False
