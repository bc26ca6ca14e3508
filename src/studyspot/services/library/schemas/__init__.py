"""Request and response models of the library service, one module per noun."""
