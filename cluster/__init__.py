"""The local multi-server cluster: the production blueprint, and the faults it survives."""
