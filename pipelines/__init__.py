"""The four Spark pipelines (profit, growth, engagement, aggregated) and their diagnostics."""
