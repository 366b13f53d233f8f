"""Verify that the target equals the source, row by row."""
