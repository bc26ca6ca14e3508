"""HTTP handlers of the community service, one module per noun."""
