"""The family-independent core: observation contract, env base, policy and solver
protocols, family registry, rollout."""
