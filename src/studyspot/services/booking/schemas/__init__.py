"""Request and response models of the booking service, one module per noun."""
