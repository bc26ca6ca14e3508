"""Routes of the message service (`/api/messages*`), one module per noun."""
