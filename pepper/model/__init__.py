"""The spam model: features, artifacts, the registry, training and evaluation."""
