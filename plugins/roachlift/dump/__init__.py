"""Dump table data to CSV files from one consistent snapshot."""
