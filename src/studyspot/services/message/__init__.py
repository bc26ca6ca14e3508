"""The message service (port 3010): delivers what the other services announce."""
