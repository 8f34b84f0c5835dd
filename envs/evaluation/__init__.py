"""Family-independent evaluation: run policies and solvers over instance sets, validate
every solution, store results incrementally, and report tables and plots."""
