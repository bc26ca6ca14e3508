"""Message channels: one small provider class per way of reaching a person (`base.py`)."""
