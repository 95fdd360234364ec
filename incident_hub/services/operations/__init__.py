"""What operators watch: the state behind /metrics (SQL aggregates) and the retention purge."""
