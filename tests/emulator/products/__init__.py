"""One module per emulated product: its state model, routes and response shapes."""
