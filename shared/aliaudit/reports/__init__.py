"""Report writers shared by the `aliaudit` command and the pipeline's aggregator (one code path)."""
