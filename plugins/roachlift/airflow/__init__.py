"""Airflow operators, sensors, triggers and the DAG factory: the only package importing Airflow."""
