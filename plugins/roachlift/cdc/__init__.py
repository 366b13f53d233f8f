"""Change data capture: read source changes and apply them to the target with a checkpoint."""
