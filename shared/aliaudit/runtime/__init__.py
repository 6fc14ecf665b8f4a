"""The serverless pipeline: dispatcher -> one worker per (family, region) -> aggregator, on Function Compute.
Each module's `handler(event, context)` is what a thin functions/<name>/index.py exposes."""
