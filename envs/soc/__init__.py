"""SoC scheduling (`schedrl/SoC-v0`): streams of DAG jobs on a heterogeneous system-on-chip, after DS3."""
